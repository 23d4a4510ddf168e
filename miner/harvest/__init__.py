"""Harvest: PubMed E-utilities client, date windows and the harvest run that stores what it
fetches. Public surface: `EutilsClient`, `RateLimiter`, `HarvestPlan`, `harvest`.
Imports: `miner.harvest.{client,ratelimit,runner}`."""

from miner.harvest.client import EutilsClient
from miner.harvest.ratelimit import RateLimiter
from miner.harvest.runner import HarvestPlan, HarvestSummary, harvest

__all__ = ["EutilsClient", "HarvestPlan", "HarvestSummary", "RateLimiter", "harvest"]
