//! The registry's matcher on hand-written posts: allegations it must
//! recognise (with the entry each must match) and posts it must leave alone.
//! The posts are ours, written in the styles of 2020's social media; none is
//! taken from the registry's own paraphrases.

#![allow(clippy::unwrap_used)]

use canvass_checks::claims::{Findings, Matcher, Registry};
use canvass_checks::finding::{Finding, Rule, Status};

/// Posts making an allegation, and the entry they make.
const CLAIMS: &[(&str, &str)] = &[
    (
        "BREAKING: 14,000 dead people VOTED in Wayne County!!! #StopTheSteal",
        "dead-voters",
    ),
    (
        "My uncle passed away in 2016 and somehow he voted by mail this year. Deceased voters everywhere",
        "dead-voters",
    ),
    ("So many zombie voters this election lol", "dead-voters"),
    (
        "Dominion voting machines switched votes from Trump to Biden in 28 states",
        "vote-flipping-machines",
    ),
    (
        "The machines FLIPPED votes. Look at Antrim County. #DominionGate",
        "vote-flipping-machines",
    ),
    (
        "Thousands of ballots that arrived after Election Day were counted in Pennsylvania",
        "late-ballots",
    ),
    (
        "They are still counting late ballots days after the deadline. Illegal!",
        "late-ballots",
    ),
    (
        "Republican poll watchers were blocked from the counting room in Detroit",
        "observers-kept-out",
    ),
    (
        "They put cardboard over the windows so observers couldn't watch the count #TCFCenter",
        "observers-kept-out",
    ),
    (
        "In Arizona they gave Trump voters Sharpies so their ballots would be rejected #SharpieGate",
        "sharpie-pens",
    ),
    (
        "People are voting twice, once by mail and again in person",
        "double-voting",
    ),
    (
        "Look at this 4am ballot dump, 130,000 votes all for Biden",
        "ballot-dumps",
    ),
    (
        "Huge vote spike in Wisconsin in the middle of the night",
        "ballot-dumps",
    ),
    (
        "More votes than registered voters in Detroit precincts!",
        "more-ballots-than-voters",
    ),
    (
        "Turnout of 120 percent in some counties. Impossible",
        "more-ballots-than-voters",
    ),
    (
        "2.7 million Trump votes deleted nationwide by the machines",
        "deleted-votes",
    ),
    (
        "Mail-in ballots found in a dumpster in California",
        "discarded-ballots",
    ),
    (
        "Servers in Frankfurt Germany hold the real vote totals",
        "servers-abroad",
    ),
    (
        "The same ballots were run through the tabulator several times to count them again",
        "ballots-counted-twice",
    ),
    (
        "Thousands who moved out of state still voted in Georgia",
        "ineligible-out-of-state",
    ),
];

/// Posts that must not be labeled: everyday election talk, and posts
/// sharing words with an allegation but making none.
const NOT_CLAIMS: &[&str] = &[
    "Go vote today! Polls are open until 8pm",
    "I mailed my ballot yesterday, so excited to be part of democracy",
    "My grandmother died last year, I miss her so much",
    "The machines at my gym are always broken",
    "Happy Thanksgiving everyone, grateful for family",
    "Election observers from the OSCE will publish their report next week",
    "Counting continues in Arizona, results expected tomorrow",
    "Biden gives a speech in Delaware tonight",
    "Where is my nearest polling place?",
    "The late night show was hilarious yesterday",
    "Sharpie pens are the best for labeling boxes when you move",
    "I registered to vote at the DMV when I renewed my license",
    "Dead Poets Society is still my favorite movie",
    "Our poll shows the race tightening in Georgia",
    "Thank you to all the poll workers who kept us safe this year",
    "The county will certify its results on Monday",
    "Stocks rallied after the election as investors weighed the results",
    "I volunteered as a poll watcher and it was a great experience, everyone was professional",
];

fn matcher(findings: Findings) -> Matcher {
    Matcher::new(Registry::builtin().unwrap(), findings)
}

fn finding(check: &str, status: Status) -> Finding {
    let mut f = Finding::new(
        check,
        "test",
        Rule {
            text: "r".into(),
            citation: "c".into(),
        },
        format!("canvass check {check}"),
    );
    f.status = status;
    f
}

/// Every allegation is matched to its entry, and no other post is
/// matched; the figures are printed for the issue note.
#[test]
fn hand_written_posts_precision_and_recall() {
    let m = matcher(Findings::none());
    let mut wrong = Vec::new();
    let mut right = 0;
    for (post, want) in CLAIMS {
        let d = m.decide(post);
        let got = d.entry.as_ref().map(|e| e.id.as_str());
        if got == Some(*want) {
            right += 1;
        } else {
            wrong.push(format!("{post:?}: want {want}, got {got:?} ({})", d.reason));
        }
    }
    let mut false_matches = 0;
    for post in NOT_CLAIMS {
        let d = m.decide(post);
        if d.matched {
            false_matches += 1;
            wrong.push(format!("{post:?}: must not match, got {:?}", d.best));
        }
    }
    eprintln!(
        "claims matched to the right entry: {right}/{}; non-claims matched: {false_matches}/{}",
        CLAIMS.len(),
        NOT_CLAIMS.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_finding_decides_the_label() {
    let post = "dead people voted in Georgia";
    // No finding: matched, not labeled.
    let d = matcher(Findings::none()).decide(post);
    assert!(d.matched);
    assert_eq!(d.label, None);
    assert!(d.reason.contains("no `deceased` finding"), "{}", d.reason);

    // A finding with no evidence: labeled, with the evidence link.
    let mut f = Findings::none();
    f.add(
        "deceased.json".into(),
        finding("deceased", Status::NoEvidence),
    );
    let m = matcher(f);
    let label = m.label(post).unwrap();
    assert_eq!(label.text, "This claim about election fraud is disputed");
    assert_eq!(label.entry, "dead-voters");
    assert_eq!(label.evidence_url, "/rumor-control/dead-voters");
    // A finding of another check does not label this allegation.
    assert_eq!(m.label("Dominion machines flipped votes"), None);

    // A finding that supports the allegation: matched, never "disputed".
    let mut f = Findings::none();
    f.add("a.json".into(), finding("deceased", Status::NoEvidence));
    f.add(
        "b.json".into(),
        finding("deceased", Status::Supported { cases: 2 }),
    );
    let d = matcher(f).decide(post);
    assert!(d.matched);
    assert_eq!(d.label, None);
    assert!(
        d.reason.contains("allegation supported in 2 cases"),
        "{}",
        d.reason
    );

    // Inconclusive: no label either.
    let mut f = Findings::none();
    f.add(
        "c.json".into(),
        finding(
            "deceased",
            Status::Inconclusive {
                missing: "no death records".into(),
            },
        ),
    );
    assert_eq!(matcher(f).label(post), None);
}

/// `entry_decision` (what a Rumor Control page shows) is the answer any
/// matched post gets, whatever its words.
#[test]
fn entry_decision_is_what_a_matched_post_gets() {
    let mut f = Findings::none();
    f.add("d.json".into(), finding("deceased", Status::NoEvidence));
    let m = matcher(f);
    for (post, id) in [
        ("dead people voted in Georgia", "dead-voters"),
        ("Dominion machines flipped votes", "vote-flipping-machines"),
    ] {
        let d = m.decide(post);
        let entry = m.registry().entry(id).unwrap();
        let mut e = m.entry_decision(entry);
        assert_eq!(e.best, None);
        e.best = d.best.clone();
        assert_eq!(e, d, "{post}");
    }
    let dead = m.entry_decision(m.registry().entry("dead-voters").unwrap());
    assert_eq!(
        dead.label.as_deref(),
        Some("This claim about election fraud is disputed")
    );
    assert_eq!(dead.finding.unwrap().path, "d.json");
}

#[test]
fn findings_are_read_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("late.json"),
        finding("timeliness", Status::NoEvidence).to_json(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("other.json"),
        "{\"schema\": \"something.else\"}",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not json").unwrap();
    let f = Findings::read_dir(dir.path()).unwrap();
    assert_eq!(f.len(), 1);
    let m = matcher(f);
    assert!(
        m.label("late ballots were counted after Election Day")
            .is_some()
    );

    std::fs::write(dir.path().join("broken.json"), "{ nope").unwrap();
    let e = Findings::read_dir(dir.path()).unwrap_err().to_string();
    assert!(e.contains("broken.json: row 1, field `json`"), "{e}");
}

#[test]
fn untrusted_text_never_panics() {
    let m = matcher(Findings::none());
    for post in [
        "",
        " ",
        "#",
        "@",
        "''''",
        "http://",
        "🇺🇸🇺🇸🇺🇸",
        "Ⅻ ǅ ß İ ﬁ",
        "\u{0}\u{202e}dead voters",
        &"dead ".repeat(10_000),
        &"x".repeat(100_000),
    ] {
        let d = m.decide(post);
        let _ = serde_json::to_string(&d).unwrap();
    }
    assert!(m.rank("", 5).is_empty());
}

#[test]
fn rank_orders_entries() {
    let m = matcher(Findings::none());
    let r = m.rank("observers were not allowed to watch the ballot counting", 3);
    assert_eq!(r[0].id, "observers-kept-out");
    assert!(r.len() <= 3);
    assert!(r.windows(2).all(|w| w[0].score >= w[1].score));
}
