//! `canvass label TEXT [--json] [--registry F] [--findings DIR]`: which
//! allegation a post makes and whether a published finding labels it; and
//! `canvass label --claims CLAIMS.tsv --queries QUERIES.tsv [--top 5]`: a
//! TREC run of the same ranking over any claim collection (CheckThat!
//! layout), scored with `--qrels` (MAP@k).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use canvass_checks::claims::trec::{self, RetrievalConfig};
use canvass_checks::claims::{Decision, Findings, Matcher, Registry};

/// Arguments of `canvass label`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The post's text (read from standard input when absent or `-`).
    #[arg(conflicts_with_all = ["claims", "queries"])]
    text: Option<String>,
    /// Print the decision as JSON (what `POST /api/label` returns).
    #[arg(long)]
    json: bool,
    /// A claims registry (schema `canvass.claims.v1`) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    registry: Option<PathBuf>,
    /// A folder of published findings (`canvass.finding.v1` JSON files);
    /// without it no post is labeled "disputed".
    #[arg(long, value_name = "DIR")]
    findings: Option<PathBuf>,
    /// Evidence links are this prefix followed by the allegation's id.
    #[arg(long, value_name = "URL", default_value = "/rumor-control/")]
    evidence_base: String,
    /// TREC-run mode: the claims to rank (`id<TAB>field...`, header row).
    #[arg(long, value_name = "CLAIMS.tsv", requires = "queries")]
    claims: Option<PathBuf>,
    /// TREC-run mode: the queries (`id<TAB>text`, header row).
    #[arg(long, value_name = "QUERIES.tsv", requires = "claims")]
    queries: Option<PathBuf>,
    /// TREC-run mode: claims per query.
    #[arg(long, default_value_t = 5, requires = "claims")]
    top: usize,
    /// TREC-run mode: the run's tag (last column).
    #[arg(long, default_value = "canvass", requires = "claims")]
    tag: String,
    /// TREC-run mode: write the run here instead of standard output.
    #[arg(long, value_name = "FILE", requires = "claims")]
    out: Option<PathBuf>,
    /// TREC-run mode: score the run against these judgments and print
    /// MAP@k (k = --top) on standard error.
    #[arg(long, value_name = "QRELS", requires = "claims")]
    qrels: Option<PathBuf>,
    /// TREC-run mode: rank with plain BM25 (lowercased words, every field
    /// weighted 1) instead of the matcher's configuration: the baseline.
    #[arg(long, requires = "claims")]
    baseline: bool,
}

/// Run `canvass label`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let (Some(claims), Some(queries)) = (&args.claims, &args.queries) {
        return run_trec(&args, claims, queries);
    }
    let registry = match &args.registry {
        Some(p) => Registry::read(p)?,
        None => Registry::builtin()?,
    };
    let findings = match &args.findings {
        Some(d) => Findings::read_dir(d)?,
        None => Findings::none(),
    };
    let text = match args.text.as_deref() {
        Some(t) if t != "-" => t.to_string(),
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the post from standard input")?;
            s
        }
    };
    let matcher = Matcher::new(registry, findings).with_evidence_base(&args.evidence_base);
    let decision = matcher.decide(&text);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &decision)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &decision)?;
    }
    Ok(())
}

fn write_text(out: &mut impl Write, d: &Decision) -> std::io::Result<()> {
    match (&d.entry, &d.best) {
        (Some(e), Some(b)) => writeln!(
            out,
            "matched:  {} ({}; score {:.3}, coverage {:.2})",
            e.id, e.title, b.score, b.coverage
        )?,
        _ => writeln!(out, "matched:  none")?,
    }
    writeln!(out, "label:    {}", d.label.as_deref().unwrap_or("none"))?;
    if let Some(url) = &d.evidence_url {
        writeln!(out, "evidence: {url}")?;
    }
    if let Some(f) = &d.finding {
        writeln!(out, "finding:  {} ({}): {}", f.check, f.path, f.status_text)?;
        writeln!(out, "reproduce: {}", f.reproduce)?;
    }
    writeln!(out, "why:      {}", d.reason)?;
    if let Some(e) = &d.entry {
        writeln!(out, "\nRumor:    {}", e.rumor)?;
        writeln!(out, "Reality:  {}", e.reality)?;
    }
    Ok(())
}

fn run_trec(args: &Args, claims: &Path, queries: &Path) -> anyhow::Result<()> {
    if args.top == 0 {
        bail!("--top must be at least 1");
    }
    let claims = trec::read_table(claims)?;
    let queries = trec::read_table(queries)?;
    let config = if args.baseline {
        RetrievalConfig::plain(claims.fields.len())
    } else {
        RetrievalConfig::tuned(claims.fields.len())
    };
    let index = trec::index_table(&claims, &config);
    let run = trec::run_queries(&index, &claims, &queries, args.top);
    let text = trec::format_run(&run, &args.tag);
    match &args.out {
        Some(p) => {
            // Whole file or nothing: write beside it, then rename.
            let tmp = p.with_extension("tmp");
            std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, p).with_context(|| format!("writing {}", p.display()))?;
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    if let Some(q) = &args.qrels {
        let qrels = trec::read_qrels(q)?;
        let judged = qrels.values().filter(|r| !r.is_empty()).count();
        eprintln!(
            "MAP@{} {:.4} over {judged} queries ({} claims, {} queries ranked, {})",
            args.top,
            trec::map_at_k(&run, &qrels, args.top),
            claims.rows.len(),
            queries.rows.len(),
            if args.baseline {
                "plain BM25"
            } else {
                "canvass BM25F"
            },
        );
    }
    Ok(())
}
