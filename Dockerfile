# miner: the scheduler (daily harvest, weekly digest) by default; any other `miner` command with
#   docker run IMAGE miner <command>
# Configure with MINER_* environment variables (see config.toml), e.g. MINER_DATABASE_URL,
# MINER_PUBMED_EMAIL, MINER_PUBMED_API_KEY, MINER_SMTP_PASSWORD.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MINER_DATABASE_URL=sqlite:////data/miner.db

RUN useradd --create-home --uid 10001 miner && mkdir /data && chown miner /data
WORKDIR /app

# the package carries its pipeline, migrations and sample (miner/resources.py): nothing else to copy
COPY pyproject.toml constraints.txt README.md ./
COPY miner ./miner
RUN pip install -c constraints.txt .
COPY config.toml ./

USER miner
VOLUME ["/data"]
EXPOSE 8000
CMD ["miner", "schedule"]
