"""Conflicts, curators' verdicts and accounts on real SQLite and PostgreSQL.

A conflict is a (taxon, disorder group, subject) that two or more distinct papers report in
opposite directions. The first test stores the real contradictions of Disbiome's psychiatric
rows (tests/fixtures/disbiome_psychiatric.csv) and checks that the derived conflicts are exactly
those computed here from the CSV; the rest build small cases: what is and is not a conflict,
votes, ordering and filters, verdicts read everywhere, statuses, audit events, taxonomy and
accounts. Records are stored with `save_article` and refreshed the way `ingest.store_batch` does.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from miner import conflicts, query, records
from miner.accounts import authenticate, can_write, create_user, disable_user, set_role
from miner.curation import give_verdict, set_conflict_status, withdraw_verdict
from miner.errors import InvalidValue, NotFound
from miner.store.claims import REJECTING, claims
from miner.store.models import AuditEvent, Relation, User, Verdict
from miner.store.writer import save_article

HERE = Path(__file__).parent
DISORDERS = {
    d["mesh"]: d
    for d in map(json.loads, (HERE.parent / "miner" / "pipelines" / "disorders.jsonl").read_text().splitlines())
    if d
}
GENUS = {"taxon": "Faecalibacterium", "taxid": 216851, "lineage": (2, 1239, 216851)}
SPECIES = {"taxon": "Faecalibacterium prausnitzii", "taxid": 853, "lineage": (2, 1239, 216851, 853), "rank": "species"}
PASSWORD = "correct horse battery"


# ---------------------------------------------------------------- builders


def make_article(pmid: str, *types: str) -> records.Article:
    return records.Article(
        pmid=pmid,
        title=f"Gut microbiota, paper {pmid}",
        sections=(records.Section("Findings.", "RESULTS", "RESULTS"),),
        journal="J Test",
        year=2021,
        language="eng",
        publication_types=types or ("Journal Article",),
    )


def make_relation(
    pmid: str,
    direction: str,
    *,
    mesh="D003865",
    subject="human",
    confidence=0.9,
    taxon=GENUS["taxon"],
    taxid: int | None = GENUS["taxid"],
    lineage=GENUS["lineage"],
    rank="genus",
) -> records.Relation:
    disorder = DISORDERS[mesh]
    return records.Relation(
        pmid=pmid,
        taxon=taxon,
        taxid=taxid,
        rank=rank if taxid else "",
        disorder=disorder["name"],
        mesh=mesh,
        direction=direction,
        subject=subject,
        evidence=f"{taxon} was {direction} in {disorder['name']}.",
        confidence=confidence,
        taxon_text=taxon,
        taxon_end=len(taxon),
        pipeline_version="test",
        taxon_lineage=lineage if taxid else (),
        disorder_group=disorder["group"],
    )


def paper(pmid: str, direction: str, *types: str, **relation) -> tuple[records.Article, list[records.Relation]]:
    """One article reporting one finding (keywords go to make_relation)."""
    return make_article(pmid, *types), [make_relation(pmid, direction, **relation)]


def store(db, *papers) -> int:
    """Save (article, relations) pairs and refresh the touched conflict keys, as ingest does."""
    pmids = [article.pmid for article, _ in papers]
    with db.session() as session:
        keys = conflicts.affected_keys(session, pmids)
        for article, relations in papers:
            save_article(session, article, relations, pipeline_version="test")
        session.flush()
        return conflicts.refresh(session, keys | conflicts.affected_keys(session, pmids))


def listed(db, **filters) -> list[dict]:
    with db.session() as session:
        return [view.to_json() for view in conflicts.find_conflicts(session, **filters)]


def curator(session, name="ada", role="curator") -> User:
    return session.scalars(select(User).where(User.username == name)).first() or create_user(
        session, name, role, PASSWORD
    )


def claim_id(session, pmid: str, direction: str | None = None) -> int:
    query_ = select(Relation.id).where(Relation.pmid == pmid)
    return session.scalars(query_ if direction is None else query_.where(Relation.direction == direction)).one()


def verdict(db, pmid: str, given: str, **options) -> None:
    with db.session() as session:
        give_verdict(session, claim_id(session, pmid), given, curator(session), **options)


def events(db, action: str) -> list[tuple]:
    with db.session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(e.actor, e.target, e.before, e.after) for e in rows]


def exported(db, verdict: str | None = None) -> dict[str, tuple]:
    with db.session() as session:
        rows = query.relation_rows(session, query.RelationFilter(verdict=verdict))
        return {r["pmid"]: (r["direction"], r["extracted_direction"], r["verdict"]) for r in rows}


def stats(db) -> dict:
    with db.session() as session:
        return query.stats(session)


# ---------------------------------------------------------------- real data: Disbiome

DISBIOME_MESH = {  # Disbiome's MedDRA names → the MeSH descriptors of miner/pipelines/disorders.jsonl
    "Autism": "D001321",
    "Autism spectrum disorders": "D000067877",
    "Pervasive developmental disorder NOS": "D000067877",
    "Schizophrenia": "D012559",
    "Alcoholism": "D000437",
    "Major depressive disorder": "D003865",
    "Generalized anxiety disorder": "D001008",
    "Attention Deficit Hyperactivity Disorder": "D001289",
    "Bipolar disorder": "D001714",
    "Posttraumatic stress syndrome": "D013313",
    "Anorexia Nervosa": "D000856",
}


def disbiome_rows() -> list[dict]:
    with open(HERE / "fixtures" / "disbiome_psychiatric.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["pmid"] = f"disbiome:{row['publication_id']}"  # Disbiome's publication id: not a PMID
        row["taxid"] = int(float(row["organism_ncbi_id"])) if row["organism_ncbi_id"] else None
        row["subject"] = "animal" if row["host_type"] not in ("Human", "") else "human"  # 5 rows leave it blank
        row["direction"] = {"Elevated": "increased", "Reduced": "decreased"}[row["qualitative_outcome"]]
    return rows


def test_disbiome_contradictions_become_exactly_the_conflicts(database):
    rows = disbiome_rows()
    by_pair = defaultdict(set)  # Disbiome's own pairs: (organism name, disease name)
    sides = defaultdict(lambda: {"increased": set(), "decreased": set()})
    for row in rows:
        by_pair[row["organism_name"], row["disease_name"]].add(row["direction"])
        taxon = row["taxid"] if row["taxid"] is not None else row["organism_name"].lower()
        sides[taxon, DISORDERS[DISBIOME_MESH[row["disease_name"]]]["group"], row["subject"]][row["direction"]].add(
            row["pmid"]
        )
    both_ways = {key for key, side in sides.items() if side["increased"] and side["decreased"]}
    expected = {
        k: (sorted(sides[k]["increased"]), sorted(sides[k]["decreased"]))
        for k in both_ways
        if len(sides[k]["increased"] | sides[k]["decreased"]) >= 2
    }
    # the fixture holds every row of Disbiome's 31 two-way pairs (see tests/fixtures/README.md)
    assert (sum(len(d) == 2 for d in by_pair.values()), len(both_ways), len(expected)) == (31, 46, 39)

    by_pmid = defaultdict(list)
    for row in rows:
        by_pmid[row["pmid"]].append(
            make_relation(
                row["pmid"],
                row["direction"],
                mesh=DISBIOME_MESH[row["disease_name"]],
                subject=row["subject"],
                taxon=row["organism_name"],
                taxid=row["taxid"],
                lineage=(),
            )
        )
    for pmid, relations in by_pmid.items():  # one paper at a time: conflicts grow incrementally
        store(database, (make_article(pmid), relations))

    def found():
        return {
            (c["taxid"] if c["taxid"] is not None else c["taxon"].lower(), c["disorder"], c["subject"], c["status"]): (
                sorted(c["increased"]),
                sorted(c["decreased"]),
            )
            for c in listed(database)
        }

    assert found() == {(*key, "open"): pmids for key, pmids in expected.items()}
    incremental = found()
    with database.session() as session:
        assert conflicts.refresh(session) == 0
    assert found() == incremental  # a full recomputation agrees with the incremental one
    assert stats(database)["conflicts"] == 39


# ---------------------------------------------------------------- what is and is not a conflict


def test_two_papers_in_opposite_directions_open_a_conflict(database):
    assert store(database, paper("1", "increased"), paper("2", "decreased", confidence=0.7)) == 1
    [conflict] = listed(database)
    assert {
        k: conflict[k]
        for k in (
            "taxon",
            "taxid",
            "disorder",
            "mesh",
            "subject",
            "status",
            "status_by",
            "increased",
            "decreased",
            "unchanged",
        )
    } == {
        "taxon": "Faecalibacterium",
        "taxid": 216851,
        "disorder": "depression",
        "mesh": ["D003865"],
        "subject": "human",
        "status": "open",
        "status_by": "system",
        "increased": ["1"],
        "decreased": ["2"],
        "unchanged": [],
    }
    assert conflict["evidence"]["decreased"] == [{"pmid": "2", "weight": 0.7, "secondary": False}]
    assert events(database, "conflict_opened") == [("system", f"conflict {conflict['id']}", None, {"status": "open"})]


NOT_CONFLICTS = {
    "one paper both ways": lambda: [
        (make_article("1"), [make_relation("1", "increased"), make_relation("1", "decreased")])
    ],
    "human vs animal": lambda: [paper("1", "increased"), paper("2", "decreased", subject="animal")],
    "unchanged is no side": lambda: [paper("1", "increased"), paper("2", "unchanged")],
    "different groups": lambda: [paper("1", "increased"), paper("2", "decreased", mesh="D001007")],
    "retracted paper": lambda: [
        paper("1", "increased"),
        paper("2", "decreased", "Journal Article", "Retracted Publication"),
    ],
    "genus vs species": lambda: [paper("1", "increased"), paper("2", "decreased", **SPECIES)],
}


@pytest.mark.parametrize("case", NOT_CONFLICTS)
def test_not_a_conflict(database, case):
    assert store(database, *NOT_CONFLICTS[case]()) == 0
    assert listed(database) == []


def test_disorders_of_one_group_conflict_and_animals_among_themselves(database):
    store(
        database,
        paper("1", "increased"),
        paper("2", "decreased", mesh="D003863"),
        paper("3", "increased", subject="animal"),
        paper("4", "decreased", subject="animal", mesh="D003866"),
    )
    found = {c["subject"]: (c["mesh"], c["increased"], c["decreased"]) for c in listed(database)}
    assert found == {"human": (["D003863", "D003865"], ["1"], ["2"]), "animal": (["D003865", "D003866"], ["3"], ["4"])}


@pytest.mark.parametrize("review_type", ["Review", "Systematic Review", "Meta-Analysis"])
def test_one_vote_per_paper_and_reviews_are_secondary(database, review_type):
    both = (
        make_article("1"),
        [
            make_relation("1", "increased", confidence=0.6),
            make_relation("1", "increased", mesh="D003863", confidence=0.8),
        ],
    )
    store(
        database,
        both,
        paper("2", "decreased", confidence=0.5),
        paper("3", "decreased", "Journal Article", review_type, confidence=0.99),
        paper("4", "unchanged"),
    )
    [conflict] = listed(database)
    assert conflict["evidence"]["increased"] == [{"pmid": "1", "weight": 0.8, "secondary": False}]
    assert conflict["evidence"]["decreased"] == [
        {"pmid": "2", "weight": 0.5, "secondary": False},
        {"pmid": "3", "weight": 0.99, "secondary": True},
    ]
    assert conflict["unchanged"] == ["4"]


def test_retraction_arriving_later_resolves_the_conflict(database):
    store(database, paper("1", "increased"), paper("2", "decreased"))
    store(database, paper("2", "decreased", "Journal Article", "Retracted Publication"))
    [conflict] = listed(database)
    assert (conflict["status"], conflict["status_by"], conflict["decreased"]) == ("resolved", "system", [])
    assert "no longer contradicts" in conflict["status_reason"]


# ---------------------------------------------------------------- listing


def test_find_conflicts_orders_by_evidence_and_filters(database):
    def taxon(name, taxid, ups, downs, mesh="D003865"):
        return [
            paper(p, d, taxon=name, taxid=taxid, lineage=(2, taxid), mesh=mesh)
            for ps, d in ((ups, "increased"), (downs, "decreased"))
            for p in ps
        ]

    store(
        database,
        *taxon("Alistipes", 239759, ["11", "12", "13", "14"], ["15"]),
        *taxon("Bacteroides", 816, ["21", "22"], ["23", "24"]),
        *taxon("Coprococcus", 33042, ["31"], ["32"], mesh="D001007"),
    )
    names = lambda **f: [c["taxon"] for c in listed(database, **f)]  # noqa: E731
    assert names() == ["Bacteroides", "Alistipes", "Coprococcus"]  # smaller side first, then papers
    for depression in ("depression", "D003865", "Major Depressive Disorder", " major-depressive disorder "):
        assert names(disorder=depression) == ["Bacteroides", "Alistipes"]
    assert names(disorder="anxiety") == ["Coprococcus"]
    with database.session() as session:
        coprococcus = conflicts.find_conflicts(session, disorder="D001007")[0].id
        set_conflict_status(session, coprococcus, "dismissed", curator(session), "different cohorts")
    assert names(status="dismissed") == ["Coprococcus"]
    assert names(status="open") == names(include_resolved=False) == ["Bacteroides", "Alistipes"]
    with database.session() as session, pytest.raises(InvalidValue):
        conflicts.find_conflicts(session, status="closed")
    assert names(disorder="schizophrenia") == []  # a disorder the lexicon knows, with no conflict yet
    assert names(disorder="GAD,MDD") == names(disorder="anxiety,depression")  # abbreviations, several at once
    with database.session() as session, pytest.raises(NotFound, match="anxiety, autism, bipolar"):
        conflicts.find_conflicts(session, disorder="dragon pox")


# ---------------------------------------------------------------- verdicts


def test_wrong_direction_flips_every_read_resolves_and_withdrawal_reopens(database):
    store(database, paper("1", "increased"), paper("2", "decreased"))
    verdict(database, "2", "wrong direction", note="says higher")
    assert exported(database) == {
        "1": ("increased", "increased", None),
        "2": ("increased", "decreased", "wrong direction"),
    }
    assert stats(database)["relations_by_direction"] == {
        "increased": 2,
        "decreased": 0,
        "unchanged": 0,
        "associated": 0,
    }
    with database.session() as session:
        assert [direction for *_, direction in session.execute(claims().order_by(Relation.pmid))] == [
            "increased",
            "increased",
        ]
    [conflict] = listed(database)
    assert (conflict["status"], conflict["status_by"], conflict["increased"], conflict["decreased"]) == (
        "resolved",
        "system",
        ["1", "2"],
        [],
    )
    assert "verdict" in conflict["status_reason"] and stats(database)["conflicts"] == 0
    target = f"conflict {conflict['id']}"
    [(actor, claim, before, after)] = events(database, "verdict")
    assert (actor, claim.startswith("claim 2/"), before) == ("ada", True, None)
    assert after == {"verdict": "wrong direction", "corrected_direction": None, "note": "says higher"}
    assert events(database, "conflict_status") == [("system", target, {"status": "open"}, {"status": "resolved"})]

    with database.session() as session:
        withdraw_verdict(session, claim_id(session, "2"), curator(session))
    assert exported(database)["2"] == ("decreased", "decreased", None)
    [conflict] = listed(database)
    assert (conflict["status"], conflict["status_by"], conflict["decreased"]) == ("open", "system", ["2"])
    assert events(database, "verdict_withdrawn")[0][2:] == (after, None)
    assert events(database, "conflict_status")[-1] == ("system", target, {"status": "resolved"}, {"status": "open"})


@pytest.mark.parametrize("rejecting", REJECTING)
def test_rejecting_verdict_hides_the_claim_but_keeps_the_extraction(database, rejecting):
    store(database, paper("1", "increased"), paper("2", "decreased"), paper("3", "decreased"))
    verdict(database, "3", rejecting)
    assert sorted(exported(database)) == ["1", "2"]
    assert exported(database, verdict="any")["3"] == ("decreased", "decreased", rejecting)
    assert (stats(database)["relations"], stats(database)["articles_with_relations"]) == (2, 2)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Relation)) == 3
        view = conflicts.find_conflicts(session)[0]
        assert [(r.pmid, v) for r, _t, _d, _a, v, _dir in conflicts.conflict_claims(session, view)] == [
            ("1", None),
            ("2", None),
            ("3", rejecting),
        ]
    assert [(c["status"], c["decreased"]) for c in listed(database)] == [("open", ["2"])]
    verdict(database, "2", rejecting)
    assert [(c["status"], c["decreased"]) for c in listed(database)] == [("resolved", [])]


def test_corrected_direction_unchanged_makes_a_non_replication(database):
    store(database, paper("1", "increased"), paper("2", "decreased"))
    verdict(database, "2", "wrong direction", corrected_direction="unchanged")
    [conflict] = listed(database)
    assert (conflict["status"], conflict["decreased"], conflict["unchanged"]) == ("resolved", [], ["2"])
    assert exported(database)["2"] == ("unchanged", "decreased", "wrong direction")


def test_reextraction_keeps_the_verdict(database):
    store(database, paper("1", "increased"), paper("2", "decreased"))
    verdict(database, "2", "wrong direction")
    store(database, paper("2", "decreased", confidence=0.95))  # the same claim extracted again
    with database.session() as session:
        assert session.get(Relation, claim_id(session, "2")).confidence == 0.95  # a new relation row ...
        assert session.scalar(select(func.count()).select_from(Verdict)) == 1
    assert exported(database)["2"] == ("increased", "decreased", "wrong direction")  # ... still overridden
    assert [(c["status"], c["decreased"]) for c in listed(database)] == [("resolved", [])]


def test_confirmed_status_survives_new_evidence(database):
    store(database, paper("1", "increased"), paper("2", "decreased"))
    with database.session() as session:
        set_conflict_status(session, listed(database)[0]["id"], "confirmed", curator(session), "two cohorts")
    store(database, paper("3", "increased"), paper("4", "unchanged"))
    [conflict] = listed(database)
    assert (conflict["status"], conflict["status_by"], conflict["status_reason"]) == ("confirmed", "ada", "two cohorts")
    assert (conflict["increased"], conflict["unchanged"]) == (["1", "3"], ["4"])
    assert events(database, "conflict_status") == [
        ("ada", f"conflict {conflict['id']}", {"status": "open"}, {"status": "confirmed"})
    ]


@pytest.mark.parametrize("decision", ["dismissed", "resolved"])
def test_curators_decision_stands_when_the_evidence_changes(database, decision):
    store(database, paper("1", "increased"), paper("2", "decreased"))
    with database.session() as session:
        set_conflict_status(session, listed(database)[0]["id"], decision, curator(session), "checked by hand")
    verdict(database, "2", "not a finding")  # the contradiction disappears ...
    with database.session() as session:
        withdraw_verdict(session, claim_id(session, "2"), curator(session))  # ... and comes back
    store(database, paper("3", "decreased"))
    [conflict] = listed(database)
    assert (conflict["status"], conflict["status_by"], conflict["decreased"]) == (decision, "ada", ["2", "3"])
    assert len(events(database, "conflict_status")) == 1


def test_give_verdict_refuses_bad_input_and_writes_nothing(database):
    store(database, paper("1", "increased"), paper("2", "decreased"))
    with database.session() as session:
        user, relation = curator(session), claim_id(session, "2")
        with pytest.raises(InvalidValue, match="unknown verdict"):
            give_verdict(session, relation, "wrong", user)
        for given, corrected in (
            ("correct", "increased"),
            ("not a finding", "unchanged"),
            ("wrong direction", "associated"),
        ):
            with pytest.raises(InvalidValue, match="corrected direction"):
                give_verdict(session, relation, given, user, corrected_direction=corrected)
        with pytest.raises(NotFound):
            give_verdict(session, 999_999, "correct", user)
        with pytest.raises(InvalidValue):
            set_conflict_status(session, conflicts.find_conflicts(session)[0].id, "closed", user)
        with pytest.raises(NotFound):
            set_conflict_status(session, 999_999, "confirmed", user)
        with pytest.raises(NotFound):
            conflicts.get_conflict(session, 999_999)
    assert events(database, "verdict") == [] and events(database, "conflict_status") == []
    assert listed(database)[0]["status"] == "open"


# ---------------------------------------------------------------- taxonomy


def test_related_claims_show_genus_and_species_beside_each_other(database):
    store(
        database,
        paper("1", "increased"),
        paper("2", "decreased"),
        paper("5", "decreased", **SPECIES),
        paper("6", "increased", **SPECIES),
        paper("7", "increased", mesh="D001007", **SPECIES),
    )
    found = {c["taxon"]: c for c in listed(database)}
    assert {name: (c["increased"], c["decreased"]) for name, c in found.items()} == {
        "Faecalibacterium": (["1"], ["2"]),
        "Faecalibacterium prausnitzii": (["6"], ["5"]),
    }
    with database.session() as session:
        genus, species = (
            conflicts.get_conflict(session, found[name]["id"])
            for name in ("Faecalibacterium", "Faecalibacterium prausnitzii")
        )
        assert [(r.pmid, t.name) for r, t, *_ in conflicts.related_claims(session, genus)] == [
            ("5", SPECIES["taxon"]),
            ("6", SPECIES["taxon"]),
        ]
        assert [(r.pmid, t.name) for r, t, *_ in conflicts.related_claims(session, species)] == [
            ("1", "Faecalibacterium"),
            ("2", "Faecalibacterium"),
        ]


# ---------------------------------------------------------------- accounts


def test_create_user_hashes_and_authenticate_checks(database):
    with database.session() as session:
        user = create_user(session, "ada", "curator", PASSWORD)
        assert user.password_hash != PASSWORD and user.password_hash.startswith("$argon2")
        create_user(session, "bob", "reader", PASSWORD + "!")
    with database.session() as session:
        assert authenticate(session, "ada", PASSWORD).username == "ada"
        assert authenticate(session, "ada", PASSWORD + "!") is None
        assert authenticate(session, "nobody", PASSWORD) is None
        disable_user(session, "ada")
    with database.session() as session:
        assert authenticate(session, "ada", PASSWORD) is None
        assert authenticate(session, "bob", PASSWORD + "!").role == "reader"
    assert events(database, "user_added") == [
        ("cli", "user ada", None, {"role": "curator"}),
        ("cli", "user bob", None, {"role": "reader"}),
    ]


def test_bad_accounts_are_refused(database):
    with database.session() as session:
        with pytest.raises(InvalidValue, match="at least 10"):
            create_user(session, "ada", "curator", "short")
        with pytest.raises(InvalidValue, match="unknown role"):
            create_user(session, "ada", "owner", PASSWORD)
        create_user(session, "ada", "curator", PASSWORD)
        with pytest.raises(InvalidValue, match="exists"):
            create_user(session, "ada", "reader", PASSWORD)
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_can_write_follows_role_and_account_state(database):
    with database.session() as session:
        users = {role: create_user(session, f"u-{role}", role, PASSWORD) for role in ("reader", "curator", "admin")}
        assert {role: can_write(user) for role, user in users.items()} == {
            "reader": False,
            "curator": True,
            "admin": True,
        }
        assert can_write(None) is False
        set_role(session, "u-reader", "curator", actor="root")
        disable_user(session, "u-admin")
        assert (can_write(users["reader"]), can_write(users["admin"])) == (True, False)
    assert events(database, "user_role") == [("root", "user u-reader", {"role": "reader"}, {"role": "curator"})]


def test_the_system_actor_names_are_reserved(database):
    with database.session() as session:
        for name in ("system", "cli", "System"):
            with pytest.raises(InvalidValue, match="reserved"):
                create_user(session, name, "curator", PASSWORD)


def test_only_trusted_claims_make_conflicts(database_url):
    """With a trusted confidence (the one `miner train` chose, here 0.8), a claim below it counts in
    no conflict until a curator confirms it."""
    from miner.store.database import Database

    db = Database.open(database_url, trusted_confidence=0.8)
    try:
        assert store(db, paper("1", "increased", confidence=0.95), paper("2", "decreased", confidence=0.7)) == 0
        assert listed(db) == []
        with db.session() as session:
            give_verdict(session, claim_id(session, "2"), "correct", curator(session))
        [conflict] = listed(db)
        assert conflict["evidence"]["decreased"] == [{"pmid": "2", "weight": 0.7, "secondary": False}]
    finally:
        db.dispose()
