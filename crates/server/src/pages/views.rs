//! Pieces shared by the pages: results, risk per contest, discrepancies,
//! the log, and the inline SVG charts of the audit report (drawn on the
//! server from the workflow's figures; no script needed).

use crate::events::Event;
use crate::state::{AuditState, ElectionState, LogLine};
use canvass_audit::workflow::{ContestState, ContestStatus};
use canvass_tabulate::{ContestResult, Outcome};
use maud::{Markup, html};

/// A number with a thin grouping, for tables.
pub fn n(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The results of every contest (from `canvass_tabulate`).
pub fn results(results: &[ContestResult]) -> Markup {
    html! {
        @if results.is_empty() { p.note { "No cast vote records yet." } }
        @for r in results {
            section.card {
                h3 { (r.name) }
                p { (r.method.name()) ", " (r.seats) " seat(s), " (n(r.ballots)) " cards. "
                    @match &r.outcome {
                        Outcome::Error(e) => { span.bad { "Could not be counted: " (e) } }
                        _ => { "Winner(s): " strong { (r.winner_names().join(", ")) } " (" (r.outcome.status()) ")" }
                    }
                }
                @if let Some(last) = r.rounds.last() {
                    table {
                        caption.note { "Round " (last.round) " of " (r.rounds.len()) }
                        thead { tr { th scope="col" { "Candidate" } th.num scope="col" { "Votes" } } }
                        tbody {
                            @for (c, v) in &last.tally {
                                tr { td { (r.label(*c)) } td.num { (v) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where a contest stands, in words.
pub fn state_text(s: &ContestStatus) -> Markup {
    match &s.state {
        ContestState::NotStarted => html! { "not started" },
        ContestState::Confirmed => html! { span.ok { "CONFIRMED" } " (risk ≤ limit)" },
        ContestState::InProgress => html! { span.warn { "in progress" } },
        ContestState::NextRound {
            size,
            full_hand_count,
        } => html! {
            span.bad { "not confirmed" } ": next round needs " (n(*size)) " cards"
            @if *full_hand_count { " (a FULL HAND COUNT)" }
        },
        ContestState::HandCountInProgress => html! { span.warn { "full hand count in progress" } },
        ContestState::HandCount(h) => html! {
            strong { "Full hand count: " }
            @for (k, v) in &h.tally { (k) " " (n(*v)) "; " }
            "winner(s) " (h.winners.join(", "))
            @if h.outcome_changed { " — " span.bad { "the reported outcome was WRONG" } }
            @else { " — " span.ok { "reported outcome confirmed" } }
        },
    }
}

/// The risk table: one row per audited contest.
pub fn risk_table(a: &AuditState) -> Markup {
    html! {
        table {
            caption { "Risk per contest (risk limit " (a.risk_limit_text) ")" }
            thead { tr {
                th scope="col" { "Contest" } th.num scope="col" { "Universe" }
                th.num scope="col" { "Sample size" } th.num scope="col" { "Recorded" }
                th.num scope="col" { "Risk" } th scope="col" { "Status" }
            } }
            tbody {
                @if a.statuses.is_empty() {
                    @for c in &a.spec.contests {
                        tr { td { (c.name) } td.num { (n(c.universe)) } td.num { "—" } td.num { "—" } td.num { "—" } td { "not started" } }
                    }
                }
                @for s in &a.statuses {
                    tr {
                        td { (s.contest) } td.num { (n(s.universe)) } td.num { (n(s.sample_size)) }
                        td.num { (n(s.recorded)) } td.num { (format!("{:.4}", s.risk)) } td { (state_text(s)) }
                    }
                }
            }
        }
    }
}

/// The discrepancy table: counts by kind per contest.
pub fn discrepancy_table(a: &AuditState) -> Markup {
    html! {
        table {
            caption { "Discrepancies found (paper against CVR)" }
            thead { tr {
                th scope="col" { "Contest" } th.num scope="col" { "2-vote over" } th.num scope="col" { "1-vote over" }
                th.num scope="col" { "1-vote under" } th.num scope="col" { "2-vote under" } th.num scope="col" { "Zero-weight" }
                th.num scope="col" { "Not found" } th.num scope="col" { "Phantoms" }
            } }
            tbody {
                @for s in &a.statuses {
                    @let d = &s.discrepancies;
                    tr { td { (s.contest) } td.num { (d.two_vote_over) } td.num { (d.one_vote_over) } td.num { (d.one_vote_under) }
                         td.num { (d.two_vote_under) } td.num { (d.zero_weight) } td.num { (d.not_found) } td.num { (d.phantoms) } }
                }
            }
        }
    }
}

/// A one-line description of a log event.
pub fn event_text(e: &Event) -> String {
    match e {
        Event::ElectionCreated { name } => format!("election {name:?} created"),
        Event::CvrsImported {
            file,
            format,
            cards,
            ..
        } => format!(
            "{} cards imported from {} ({format}, SHA-256 {})",
            cards, file.name, file.sha256
        ),
        Event::ManifestImported {
            file,
            batches,
            cards,
        } => format!(
            "manifest {} imported: {batches} batches, {cards} cards (SHA-256 {})",
            file.name, file.sha256
        ),
        Event::AuditDefined {
            contests,
            risk_limit,
            method,
        } => format!(
            "{method} audit of {} at risk limit {risk_limit}",
            contests.join(", ")
        ),
        Event::Committed { cards, root, .. } => {
            format!("committed {cards} cards: Merkle root {root}")
        }
        Event::Seeded { seed, .. } => format!("public seed {seed:?} entered"),
        Event::RoundLaunched {
            round,
            sizes,
            new_cards,
        } => format!("round {round} launched: sample sizes {sizes:?}, {new_cards} new cards"),
        Event::BoardsCreated { round, boards } => format!(
            "{} audit boards created for round {round}: {}",
            boards.len(),
            boards
                .iter()
                .map(|b| format!("{} ({} cards)", b.name, b.cards.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Event::BoardSignedIn { board, members } => {
            format!("board {} signed in: {}", board + 1, members.join(" and "))
        }
        Event::Entered { board, reading } => format!(
            "board {} recorded card #{}{}: {}",
            board + 1,
            reading.card,
            reading
                .card_id
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            match &reading.contests {
                None => "NOT FOUND".to_owned(),
                Some(c) => c.join(" | "),
            }
        ),
        Event::BoardSignedOff { board } => format!("board {} signed off", board + 1),
        Event::ObserverIn { name } => format!("observer {name} checked in"),
        Event::ObserverOut { name } => format!("observer {name} checked out"),
        Event::AuditSignedOff { statement } => format!("audit signed off: {statement}"),
        Event::Published {} => "record published".to_owned(),
        Event::FindingPublished { finding } => format!(
            "finding published: {}",
            finding.get("check").and_then(|v| v.as_str()).unwrap_or("?")
        ),
    }
}

/// The log, newest first, at most `limit` lines.
pub fn log_table(lines: &[LogLine], limit: usize) -> Markup {
    html! {
        table {
            thead { tr { th.num scope="col" { "#" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "SHA-256" } } }
            tbody {
                @for l in lines.iter().rev().take(limit) {
                    tr id={ "entry-" (l.seq) } { td.num { (l.seq) } td { (l.actor) } td { (event_text(&l.event)) } td.code { (l.sha256.get(..16).unwrap_or("")) "…" } }
                }
            }
        }
    }
}

/// Risk against the number of cards recorded, one line per contest, with
/// the risk limit as a dashed line (log scale on the risk axis).
pub fn risk_chart(a: &AuditState) -> Markup {
    let (w, h, left, bottom) = (640.0f64, 260.0f64, 56.0f64, 36.0f64);
    let max_x = a
        .history
        .iter()
        .flat_map(|h| h.iter().map(|p| p.0))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let floor = 1e-4f64;
    let y_of = |risk: f64| {
        let r = risk.clamp(floor, 1.0);
        // log10 scale: 1 at the top, 1e-4 at the bottom.
        10.0 + (h - bottom - 10.0) * (r.log10() / floor.log10())
    };
    let x_of = |x: u64| left + (w - left - 16.0) * (x as f64 / max_x);
    let limit: f64 = a.risk_limit_text.parse().unwrap_or(0.05);
    const COLORS: [&str; 6] = [
        "#0b4f9c", "#a4161a", "#0a6b2d", "#8a4b00", "#5a189a", "#333",
    ];
    html! {
        figure {
            svg width=(w) height=(h) viewBox={ "0 0 " (w) " " (h) } role="img"
                aria-label="Risk against cards recorded, per contest" xmlns="http://www.w3.org/2000/svg" {
                rect x="0" y="0" width=(w) height=(h) fill="#fff" {}
                line x1=(left) y1=(h - bottom) x2=(w - 16.0) y2=(h - bottom) stroke="#000" {}
                line x1=(left) y1="10" x2=(left) y2=(h - bottom) stroke="#000" {}
                @for r in [1.0, 0.1, 0.01, 0.001, 0.0001] {
                    text x=(left - 4.0) y=(y_of(r) + 4.0) text-anchor="end" font-size="11" { (r) }
                }
                line x1=(left) y1=(y_of(limit)) x2=(w - 16.0) y2=(y_of(limit)) stroke="#a4161a" stroke-dasharray="6 4" {}
                text x=(w - 18.0) y=(y_of(limit) - 4.0) text-anchor="end" font-size="11" fill="#a4161a" { "risk limit " (a.risk_limit_text) }
                text x=(left) y=(h - 8.0) font-size="11" { "0" }
                text x=(w - 16.0) y=(h - 8.0) text-anchor="end" font-size="11" { (max_x as u64) " cards recorded" }
                @for (i, hist) in a.history.iter().enumerate() {
                    @let color = COLORS.get(i % COLORS.len()).copied().unwrap_or("#000");
                    @let pts: Vec<String> = std::iter::once((0u64, 1.0f64)).chain(hist.iter().copied())
                        .map(|(x, r)| format!("{:.1},{:.1}", x_of(x), y_of(r))).collect();
                    polyline points=(pts.join(" ")) fill="none" stroke=(color) stroke-width="2" {}
                }
            }
            figcaption {
                @for (i, s) in a.spec.contests.iter().enumerate() {
                    @let color = COLORS.get(i % COLORS.len()).copied().unwrap_or("#000");
                    span style={ "color:" (color) } { "■ " } (s.name) " "
                }
            }
        }
    }
}

/// Discrepancies by kind, summed over contests, as horizontal bars.
pub fn discrepancy_chart(a: &AuditState) -> Markup {
    let mut kinds = [
        ("2-vote overstatements", 0u64),
        ("1-vote overstatements", 0),
        ("1-vote understatements", 0),
        ("2-vote understatements", 0),
        ("zero-weight differences", 0),
        ("cards not found", 0),
    ];
    for s in &a.statuses {
        let d = &s.discrepancies;
        for (k, v) in kinds.iter_mut().zip([
            d.two_vote_over,
            d.one_vote_over,
            d.one_vote_under,
            d.two_vote_under,
            d.zero_weight,
            d.not_found,
        ]) {
            k.1 += v;
        }
    }
    let max = kinds.iter().map(|k| k.1).max().unwrap_or(0).max(1) as f64;
    let (w, row) = (640.0f64, 26.0f64);
    html! {
        figure {
            svg width=(w) height=(row * kinds.len() as f64 + 10.0) role="img"
                aria-label="Discrepancies by kind" xmlns="http://www.w3.org/2000/svg" {
                @for (i, (label, v)) in kinds.iter().enumerate() {
                    @let y = 5.0 + row * i as f64;
                    text x="0" y=(y + 16.0) font-size="12" { (label) }
                    rect x="200" y=(y + 4.0) width=((w - 260.0) * (*v as f64) / max) height="16" fill="#0b4f9c" {}
                    text x=(204.0 + (w - 260.0) * (*v as f64) / max) y=(y + 16.0) font-size="12" { (v) }
                }
            }
            figcaption { "Discrepancies by kind, all audited contests" }
        }
    }
}

/// The short summary of an election's state.
pub fn summary(st: &ElectionState) -> Markup {
    html! {
        ul {
            li { (n(st.cards)) " cast vote records from " (st.cvr_files.len()) " file(s)" }
            li { @match &st.manifest {
                Some((m, f)) => { "Ballot manifest: " (m.batches.len()) " batches, " (n(m.total_cards())) " cards (" (f.name) ")" }
                None => { "No ballot manifest yet" }
            } }
            li { @match &st.committed {
                Some((root, cards)) => { "Committed: " (n(*cards)) " cards, Merkle root " span.code { (root) } }
                None => { "Not committed yet" }
            } }
            @if let Some(a) = &st.audit {
                li { (a.spec.method.name()) " audit of " (a.spec.contests.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")) ", risk limit " (a.risk_limit_text) }
                li { @match &a.seed { Some(s) => { "Seed: " span.code { (s) } } None => { "No seed yet" } } }
                li { "Round " (a.rounds.len()) "; " (a.paper.len()) " cards recorded" }
            }
            @if let Some(s) = &st.signed_off { li { span.ok { "Signed off: " } (s) } }
            @if st.published { li { span.ok { "Record published" } } }
        }
    }
}
