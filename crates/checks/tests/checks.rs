//! End-to-end: machine-vs-paper, timeliness and observers on mock records
//! find exactly the planted rows, nothing on clean records; the rules table
//! and bad input fail with the file, row and field named.

use std::collections::BTreeMap;
use std::path::Path;

use canvass_checks::date::Moment;
use canvass_checks::finding::{Finding, Status};
use canvass_checks::machine_vs_paper::{MachineVsPaperInputs, machine_vs_paper};
use canvass_checks::mock::{self, MockConfig};
use canvass_checks::observers::{ObserverInputs, observers};
use canvass_checks::table::Source;
use canvass_checks::timeliness::{RuleTable, Timeliness, TimelinessInputs, timeliness};

fn mvp(dir: &Path) -> MachineVsPaperInputs {
    MachineVsPaperInputs {
        hand: Source::plain(dir.join("hand.csv")),
        machine: Source::plain(dir.join("machine.csv")),
        discrepancies: Some(Source::plain(dir.join("audit_discrepancies.csv"))),
        full: true,
        seats: BTreeMap::new(),
    }
}

fn tl(dir: &Path) -> TimelinessInputs {
    TimelinessInputs {
        ballots: Source::plain(dir.join("mail_ballots.csv")),
        rules: vec![],
        builtin: true,
        state: None,
        election: Some("2020-general".into()),
        as_of: None,
    }
}

fn obs(dir: &Path) -> ObserverInputs {
    ObserverInputs {
        log: Source::plain(dir.join("observer_log.csv")),
        access: Source::plain(dir.join("observer_access.csv")),
        schedule: Source::plain(dir.join("counting_schedule.csv")),
    }
}

fn locators(f: &Finding) -> Vec<String> {
    let mut v: Vec<String> = f.failures.iter().map(|x| x.locator.clone()).collect();
    v.sort();
    v
}

#[allow(clippy::unwrap_used)]
fn run_all(dir: &Path) -> BTreeMap<&'static str, Finding> {
    let mut m = BTreeMap::new();
    m.insert(
        "machine-vs-paper",
        machine_vs_paper(&mvp(dir), "r".into()).unwrap(),
    );
    m.insert("timeliness", timeliness(&tl(dir), "r".into()).unwrap());
    m.insert("observers", observers(&obs(dir), "r".into()).unwrap());
    m
}

#[test]
fn every_check_finds_exactly_the_planted_rows() {
    let dir = tempfile::tempdir().unwrap();
    let planted = mock::write(dir.path(), &MockConfig::default()).unwrap();
    for (check, f) in run_all(dir.path()) {
        let want = &planted[check];
        assert!(!want.is_empty(), "{check}: nothing planted");
        assert_eq!(&locators(&f), want, "{check}:\n{}", f.to_text());
    }
    let f = machine_vs_paper(&mvp(dir.path()), "r".into()).unwrap();
    // Small differences: recorded, outcome unchanged.
    assert_eq!(f.status, Status::NoEvidence, "{}", f.to_text());
    assert_eq!(f.figures["net"], 2);
    assert_eq!(f.figures["gross"], 4);
    let t = timeliness(&tl(dir.path()), "r".into()).unwrap();
    assert_eq!(t.status, Status::Supported { cases: 2 });
    assert_eq!(t.figures["late_counted"], 1);
    let o = observers(&obs(dir.path()), "r".into()).unwrap();
    assert_eq!(o.status, Status::Supported { cases: 1 });
    assert_eq!(
        o.failures[0].details["minutes_without_observer_while_counting"],
        45
    );
}

#[test]
fn clean_records_show_no_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = MockConfig {
        plant: false,
        ..MockConfig::default()
    };
    mock::write(dir.path(), &cfg).unwrap();
    for (check, f) in run_all(dir.path()) {
        assert!(f.failures.is_empty(), "{check}:\n{}", f.to_text());
        assert_eq!(f.status, Status::NoEvidence, "{check}:\n{}", f.to_text());
    }
    let t = timeliness(&tl(dir.path()), "r".into()).unwrap();
    assert!(t.figures["late_rejected"].as_u64().unwrap() > 0);
    assert!(t.figures["counted_in_grace"].as_u64().unwrap() > 0);
}

#[test]
fn a_difference_that_changes_the_outcome_is_supported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("m.csv"),
        "batch,contest,candidate,votes\n1,Mayor,A,100\n1,Mayor,B,97\n2,Mayor,A,50\n2,Mayor,B,51\n",
    )
    .unwrap();
    std::fs::write(
        d.join("h.csv"),
        "batch,contest,candidate,votes\n1,Mayor,A,97\n1,Mayor,B,101\n",
    )
    .unwrap();
    let inputs = MachineVsPaperInputs {
        hand: Source::plain(d.join("h.csv")),
        machine: Source::plain(d.join("m.csv")),
        discrepancies: None,
        full: false,
        seats: BTreeMap::new(),
    };
    let f = machine_vs_paper(&inputs, "r".into()).unwrap();
    assert_eq!(f.status, Status::Supported { cases: 1 }, "{}", f.to_text());
    assert_eq!(f.figures["contests"]["Mayor"]["machine_margin"], 2);
    assert_eq!(
        f.figures["contests"]["Mayor"]["hand_corrected_winners"],
        serde_json::json!(["B"])
    );
    // Differences that reach the margin without reversing it, in a partial count: inconclusive.
    std::fs::write(
        d.join("h.csv"),
        "batch,contest,candidate,votes\n1,Mayor,A,102\n1,Mayor,B,97\n",
    )
    .unwrap();
    let f = machine_vs_paper(&inputs, "r".into()).unwrap();
    assert!(
        matches!(f.status, Status::Inconclusive { .. }),
        "{}",
        f.to_text()
    );
}

#[test]
fn builtin_rules_2020() {
    let t = RuleTable::builtin().unwrap();
    let m = |s: &str| Moment::parse(s).unwrap();
    let judge = |state: &str, kind: &str, recv: &str, post: Option<&str>| {
        let r = m(recv);
        t.in_force(state, "2020-general", kind, r)
            .unwrap()
            .judge(r, post.map(m))
    };
    for s in ["AZ", "GA", "MI", "NV", "PA", "WI", "NC"] {
        assert!(
            t.in_force(s, "2020-general", "mail", m("2020-11-03"))
                .is_some(),
            "{s}"
        );
    }
    // PA: the Supreme Court of Pennsylvania's three days, segregated.
    let pa = t
        .in_force("PA", "2020-general", "mail", m("2020-11-05"))
        .unwrap();
    assert_eq!(pa.id, "PA-2020-mail-seg");
    assert!(pa.segregate_grace);
    assert_eq!(
        judge("PA", "mail", "2020-11-06T16:59", Some("2020-11-02")),
        Timeliness::Grace
    );
    assert_eq!(
        judge("PA", "mail", "2020-11-06T17:01", Some("2020-11-02")),
        Timeliness::Late
    );
    assert_eq!(
        judge("PA", "mail", "2020-11-05T10:00", None),
        Timeliness::Grace
    );
    assert_eq!(
        judge("PA", "uocava", "2020-11-10T16:00", Some("2020-11-02")),
        Timeliness::Grace
    );
    // NC: receipt extended to Nov 12 (postmarked); no postmark, no grace.
    assert_eq!(
        judge("NC", "mail", "2020-11-12T16:00", Some("2020-11-03")),
        Timeliness::Grace
    );
    assert_eq!(
        judge("NC", "mail", "2020-11-05T10:00", None),
        Timeliness::Late
    );
    // NV: 7 days postmarked, 3 days unpostmarked.
    assert_eq!(
        judge("NV", "mail", "2020-11-10T16:00", Some("2020-11-03")),
        Timeliness::Grace
    );
    assert_eq!(
        judge("NV", "mail", "2020-11-06T16:00", None),
        Timeliness::Grace
    );
    assert_eq!(
        judge("NV", "mail", "2020-11-07T09:00", None),
        Timeliness::Late
    );
    // GA, MI, WI: the court extensions were stayed or reversed before election day.
    assert_eq!(
        judge("GA", "mail", "2020-11-04T09:00", Some("2020-11-02")),
        Timeliness::Late
    );
    assert_eq!(
        judge("GA", "uocava", "2020-11-05T09:00", Some("2020-11-02")),
        Timeliness::Grace
    );
    assert_eq!(
        judge("MI", "mail", "2020-11-03T19:59", None),
        Timeliness::OnTime
    );
    assert_eq!(
        judge("MI", "mail", "2020-11-10T09:00", Some("2020-11-02")),
        Timeliness::Late
    );
    assert_eq!(
        judge("WI", "mail", "2020-11-06T09:00", Some("2020-11-02")),
        Timeliness::Late
    );
    assert_eq!(
        judge("AZ", "mail", "2020-11-03T19:01", None),
        Timeliness::Late
    );
    // The order in force before its stay applies with --as-of.
    let wi = t
        .in_force("WI", "2020-general", "mail", m("2020-10-01"))
        .unwrap();
    assert_eq!(wi.id, "WI-2020-mail-dnc");
}

#[test]
fn contradictory_rules_and_bad_input_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let header = "rule_id,state,election,ballot_kind,received_by,postmarked_by,grace_days,grace_time,no_postmark_grace_days,segregate_grace,effective_from,effective_to,citation\n";
    std::fs::write(
        d.join("r.csv"),
        format!(
            "{header}X-1,PA,2020-general,mail,2020-11-03T20:00,,,,,no,2020-01-01,,\"statute\"\n"
        ),
    )
    .unwrap();
    let mut t = RuleTable::builtin().unwrap();
    let e = t
        .add_file(&Source::plain(d.join("r.csv")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("r.csv") && e.contains("row 2") && e.contains("PA-2020-mail"),
        "{e}"
    );
    std::fs::write(d.join("r.csv"), format!("{header}X-1,PA,2022-general,mail,2022-11-08T20:00,,,,,no,2022-01-01,2021-01-01,\"statute\"\n")).unwrap();
    let e = RuleTable::default()
        .add_file(&Source::plain(d.join("r.csv")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("before it starts"), "{e}");
    std::fs::write(
        d.join("r.csv"),
        format!(
            "{header}X-1,PA,2022-general,mail,2022-11-08T20:00,,,,,maybe,2022-01-01,,\"statute\"\n"
        ),
    )
    .unwrap();
    let e = RuleTable::default()
        .add_file(&Source::plain(d.join("r.csv")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 2, field `segregate_grace`"), "{e}");
    // A ballot log with an unparseable date.
    std::fs::write(
        d.join("b.csv"),
        "ballot_id,state,received,status\n1,PA,2020-11-03,counted\n2,PA,2020-13-40,counted\n",
    )
    .unwrap();
    let mut i = tl(d);
    i.ballots = Source::plain(d.join("b.csv"));
    let e = timeliness(&i, "r".into()).unwrap_err().to_string();
    assert!(e.contains("b.csv: row 3, field `received`"), "{e}");
    // A user's rules file adds a state.
    std::fs::write(d.join("r.csv"), format!("{header}OH-2020-mail,OH,2020-general,mail,2020-11-03T19:30,2020-11-02,10,,,no,2020-01-01,,\"Ohio R.C. 3509.05(D)(2)\"\n")).unwrap();
    std::fs::write(d.join("b.csv"), "ballot_id,state,received,postmarked,status\n1,OH,2020-11-12,2020-11-02,counted\n2,OH,2020-11-14,2020-11-02,counted\n3,XX,2020-11-01,,counted\n").unwrap();
    i.rules = vec![Source::plain(d.join("r.csv"))];
    let f = timeliness(&i, "r".into()).unwrap();
    assert_eq!(locators(&f), vec!["ballot 2 (row 3)".to_string()]);
    assert_eq!(f.figures["undetermined_no_rule"], 1);
}

#[test]
fn observers_bad_input_and_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("a.csv"),
        "location,affiliation,entitled,capacity\nX,DEM,1,4\nX,REP,1,5\n",
    )
    .unwrap();
    std::fs::write(
        d.join("s.csv"),
        "location,start,end\nX,2020-11-03T08:00,2020-11-03T12:00\n",
    )
    .unwrap();
    std::fs::write(
        d.join("l.csv"),
        "location,time,action,affiliation\nX,2020-11-03T09:00,admit,DEM\n",
    )
    .unwrap();
    let i = ObserverInputs {
        log: Source::plain(d.join("l.csv")),
        access: Source::plain(d.join("a.csv")),
        schedule: Source::plain(d.join("s.csv")),
    };
    let e = observers(&i, "r".into()).unwrap_err().to_string();
    assert!(e.contains("a.csv: row 3, field `capacity`"), "{e}");
    std::fs::write(
        d.join("a.csv"),
        "location,affiliation,entitled,capacity\nX,DEM,1,4\nX,REP,1,4\n",
    )
    .unwrap();
    let f = observers(&i, "r".into()).unwrap();
    // 08:00-09:00 nobody signed in: a gap, so inconclusive rather than clean.
    assert!(
        matches!(f.status, Status::Inconclusive { .. }),
        "{}",
        f.to_text()
    );
    assert_eq!(f.figures["coverage_gap_minutes"], 60);
    std::fs::write(
        d.join("l.csv"),
        "location,time,action,affiliation\nX,2020-11-03T09:00,wave,DEM\n",
    )
    .unwrap();
    let e = observers(&i, "r".into()).unwrap_err().to_string();
    assert!(e.contains("l.csv: row 2, field `action`"), "{e}");
}
