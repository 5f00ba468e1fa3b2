//! End-to-end: `reconcile` on mock records finds exactly the planted rows,
//! nothing on clean records, and names file, row and field on bad input.

use std::path::Path;

use canvass_checks::finding::Status;
use canvass_checks::mock::{self, MockConfig};
use canvass_checks::reconcile::{ReconcileInputs, reconcile};
use canvass_checks::table::{FieldMap, Source};

fn inputs(dir: &Path) -> ReconcileInputs {
    let s = |n: &str| Some(Source::plain(dir.join(n)));
    ReconcileInputs {
        accounting: s("accounting.csv"),
        poll_book: s("poll_book.csv"),
        tapes: s("tapes.csv"),
        sov: s("sov.csv"),
        mail: s("mail.csv"),
        mail_rejections: s("mail_rejections.csv"),
        manifest: s("manifest.csv"),
        totals: s("totals.csv"),
        ..ReconcileInputs::default()
    }
}

#[test]
fn finds_exactly_the_planted_rows() {
    let dir = tempfile::tempdir().unwrap();
    let planted = mock::write(dir.path(), &MockConfig::default()).unwrap();
    let want = planted.get("reconcile").unwrap();
    assert_eq!(want.len(), 6);
    let f = reconcile(&inputs(dir.path()), "canvass check reconcile".into()).unwrap();
    let mut got: Vec<String> = f.failures.iter().map(|x| x.locator.clone()).collect();
    got.sort();
    assert_eq!(&got, want);
    assert_eq!(f.status, Status::Supported { cases: 6 });
    // Signed sizes as planted.
    let size = |prefix: &str| {
        f.failures
            .iter()
            .find(|x| x.locator.starts_with(prefix))
            .and_then(|x| x.details.get("difference"))
            .and_then(|d| d.as_i64())
            .unwrap()
    };
    assert_eq!(size("ballot_accounting"), 2);
    assert_eq!(size("poll_book"), 3);
    assert_eq!(size("tapes_vs_sov"), 5);
    assert_eq!(size("mail_envelopes"), 1);
    assert_eq!(size("manifest_vs_counted"), 4);
    assert_eq!(size("precincts_vs_totals"), -10);
    assert_eq!(f.figures["not_checked"], serde_json::json!([]));
    assert_eq!(f.inputs.len(), 8);
}

#[test]
fn clean_records_show_no_evidence_and_output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = MockConfig {
        plant: false,
        ..MockConfig::default()
    };
    let planted = mock::write(dir.path(), &cfg).unwrap();
    assert!(planted.values().all(Vec::is_empty));
    let a = reconcile(&inputs(dir.path()), "r".into()).unwrap();
    assert_eq!(a.status, Status::NoEvidence, "{}", a.to_text());
    assert!(a.failures.is_empty());
    let dir2 = tempfile::tempdir().unwrap();
    mock::write(dir2.path(), &cfg).unwrap();
    let b = reconcile(&inputs(dir2.path()), "r".into()).unwrap();
    let strip = |f: &canvass_checks::finding::Finding| {
        let mut f = f.clone();
        f.inputs.iter_mut().for_each(|i| i.path.clear());
        f.to_json()
    };
    assert_eq!(strip(&a), strip(&b));
}

#[test]
fn map_lets_a_county_export_be_used_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("acc.csv");
    std::fs::write(
        &p,
        "Pct,Issued,Ballots Cast,Spoiled,Unused\n001,100,90,2,8\n002,50,40,1,8\n",
    )
    .unwrap();
    let map = FieldMap::parse(&["precinct=Pct,voted=Ballots Cast"]).unwrap();
    let inputs = ReconcileInputs {
        accounting: Some(Source { path: p, map }),
        ..ReconcileInputs::default()
    };
    let f = reconcile(&inputs, "r".into()).unwrap();
    assert_eq!(f.failures.len(), 1);
    assert_eq!(
        f.failures[0].locator,
        "ballot_accounting: precinct 002 (row 3)"
    );
    assert_eq!(f.failures[0].details["difference"], 1);
}

#[test]
fn bad_input_names_file_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("acc.csv");
    std::fs::write(&p, "precinct,issued,voted,spoiled\n1,10,9,1\n").unwrap();
    let inputs = ReconcileInputs {
        accounting: Some(Source::plain(&p)),
        ..ReconcileInputs::default()
    };
    let e = reconcile(&inputs, "r".into()).unwrap_err().to_string();
    assert!(e.contains("acc.csv: missing column `unused`"), "{e}");
    std::fs::write(
        &p,
        "precinct,issued,voted,spoiled,unused\n1,10,9,1,0\n2,ten,9,1,0\n",
    )
    .unwrap();
    let e = reconcile(&inputs, "r".into()).unwrap_err().to_string();
    assert!(e.contains("acc.csv: row 3, field `issued`"), "{e}");
    let none = reconcile(&ReconcileInputs::default(), "r".into()).unwrap_err();
    assert!(none.to_string().contains("nothing to reconcile"));
}

#[test]
fn manifest_against_cvrs_read_with_formats() {
    use canvass_formats::cdf_json_writer::CdfJsonWriter;
    let dir = tempfile::tempdir().unwrap();
    let plan = canvass_generate::Plan::new(canvass_generate::Config {
        ballots: 400,
        seed: 3,
        ..canvass_generate::Config::default()
    })
    .unwrap();
    let cvr = dir.path().join("cvr.json");
    let mut w =
        CdfJsonWriter::new(std::fs::File::create(&cvr).unwrap(), Some(&plan.election)).unwrap();
    for card in plan.cards() {
        w.write_card(&plan.election, &card).unwrap();
    }
    w.finish(&plan.election).unwrap();
    let manifest = dir.path().join("manifest.csv");
    let mut bytes = Vec::new();
    plan.write_manifest_csv(&mut bytes).unwrap();
    std::fs::write(&manifest, &bytes).unwrap();
    let run = || {
        reconcile(
            &ReconcileInputs {
                manifest: Some(Source::plain(&manifest)),
                cvrs: vec![cvr.clone()],
                ..ReconcileInputs::default()
            },
            "r".into(),
        )
        .unwrap()
    };
    let f = run();
    assert_eq!(f.status, Status::NoEvidence, "{}", f.to_text());
    assert_eq!(f.figures["manifest_cvrs_counted"]["cvrs"], 400);
    // One card too many in the first batch of the manifest.
    let text = String::from_utf8(bytes).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let (name, n) = lines[1].split_once(',').unwrap();
    let (name, n) = (name.to_string(), n.parse::<u64>().unwrap());
    lines[1] = format!("{name},{}", n + 1);
    std::fs::write(&manifest, lines.join("\n") + "\n").unwrap();
    let f = run();
    assert_eq!(f.failures.len(), 1, "{}", f.to_text());
    assert_eq!(
        f.failures[0].locator,
        format!("manifest_vs_cvrs: batch {name}")
    );
    assert_eq!(f.failures[0].details["difference"], 1);
}
