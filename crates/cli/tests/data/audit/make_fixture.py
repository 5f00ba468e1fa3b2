#!/usr/bin/env python3
"""Regenerates the audit example: a 242-card election, its paper truth, clean
CVRs and CVRs that misreport the mayor's race. Deterministic (no randomness)."""
import csv, json

BATCHES = [("tab-1", "b1", 60), ("tab-1", "b2", 60), ("tab-2", "b3", 60), ("tab-2", "b4", 62)]
CVR_CARDS = 240  # b4 holds 62 cards on paper but only 60 CVRs: 2 phantoms

def truth(i):
    # Mayor: Alice 130, Bob 90, Carol 15, blank 5; Measure A: Yes 150, No 80, blank 10
    m = i % 48
    mayor = "Alice" if m < 26 else "Bob" if m < 44 else "Carol" if m < 47 else "blank"
    a = i % 24
    measure = "Yes" if a < 15 else "No" if a < 23 else "blank"
    return mayor, measure

cards = []
i = 0
for tab, batch, n in BATCHES:
    for pos in range(1, min(n, 60) + 1):
        mayor, measure = truth(i)
        cards.append({"id": f"{tab}-{batch}-{pos}", "tab": tab, "batch": batch, "pos": pos,
                      "mayor": mayor, "measure": measure})
        i += 1

def cdf(cards, name):
    cands = [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol"), ("yes", "Yes"), ("no", "No")]
    contests = [("mayor", "Mayor", ["alice", "bob", "carol"]), ("measure-a", "Measure A", ["yes", "no"])]
    cvrs = []
    for c in cards:
        cc = []
        for cid, key in (("mayor", "mayor"), ("measure-a", "measure")):
            v = c[key]
            sels = [] if v == "blank" else [{
                "@type": "CVR.CVRContestSelection", "ContestSelectionId": "sel-" + v.lower(),
                "SelectionPosition": [{"@type": "CVR.SelectionPosition", "HasIndication": "yes",
                                        "NumberVotes": 1, "Position": 1, "IsAllocable": "yes"}]}]
            cc.append({"@type": "CVR.CVRContest", "ContestId": cid, "CVRContestSelection": sels})
        cvrs.append({"@type": "CVR.CVR", "UniqueId": c["id"], "BatchId": c["batch"],
                     "BatchSequenceId": c["pos"], "CreatingDeviceId": c["tab"],
                     "ElectionId": "e1", "CurrentSnapshotId": c["id"] + "-o",
                     "CVRSnapshot": [{"@id": c["id"] + "-o", "@type": "CVR.CVRSnapshot",
                                      "Type": "original", "CVRContest": cc}]})
    return {"@type": "CVR.CastVoteRecordReport", "Version": "1.0.0",
            "ReportGeneratingDeviceIds": ["fixture"], "GeneratedDate": "2026-01-01T00:00:00Z",
            "ReportType": ["originating-device-export"],
            "GpUnit": [{"@id": "county", "@type": "CVR.GpUnit", "Type": "county", "Name": "Example County"}],
            "Election": [{"@id": "e1", "@type": "CVR.Election", "Name": name, "ElectionScopeId": "county",
                          "Candidate": [{"@id": k, "@type": "CVR.Candidate", "Name": v} for k, v in cands],
                          "Contest": [{"@id": cid, "@type": "CVR.CandidateContest", "Name": cname,
                                       "VoteVariation": "plurality", "VotesAllowed": 1,
                                       "ContestSelection": [{"@id": "sel-" + k, "@type": "CVR.CandidateSelection",
                                                             "CandidateIds": [k]} for k in ks]}
                                      for cid, cname, ks in contests]}],
            "CVR": cvrs}

with open("cvrs.cdf.json", "w") as f:
    json.dump(cdf(cards, "Audit example"), f, separators=(",", ":"))
# The misreport: 60 cards that show Alice on paper are counted for Bob.
flipped, k = [], 0
for c in cards:
    c = dict(c)
    if c["mayor"] == "Alice" and k < 60:
        c["mayor"] = "Bob"; k += 1
    flipped.append(c)
with open("cvrs-misreported.cdf.json", "w") as f:
    json.dump(cdf(flipped, "Audit example (misreported)"), f, separators=(",", ":"))
with open("manifest.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["tabulator", "batch", "ballots"])
    for tab, batch, n in BATCHES:
        w.writerow([tab, batch, n])
# What the paper shows, for every card of the manifest (the 2 phantoms are
# blank cards nobody scanned).
with open("paper.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["tabulator", "batch", "position", "Mayor", "Measure A"])
    for c in cards:
        w.writerow([c["tab"], c["batch"], c["pos"], c["mayor"], c["measure"]])
    w.writerow(["tab-2", "b4", 61, "blank", "blank"])
    w.writerow(["tab-2", "b4", 62, "blank", "blank"])
