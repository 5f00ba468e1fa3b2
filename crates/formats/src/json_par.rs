//! The elements of a big JSON array (CDF JSON's `CVR`, Dominion's
//! `Sessions`) parsed on several threads.
//!
//! The thread that reads the file cuts the array into runs of whole
//! elements ([`Input::cut_elements`]: a scan that follows strings and braces
//! only), hands the runs to the workers in turn, and takes their results
//! back in the same order, so the caller sees every record in file order,
//! one at a time, exactly as with one thread: the same cards, the same
//! first error with the same file, record, field and byte offset. The
//! workers parse with the same functions as the single-thread path and
//! check every byte as it does.
//!
//! Memory stays flat: at most two runs per worker are in flight, and their
//! buffers are reused.

use crate::error::{FormatError, Location};
use crate::json_pull::{Cursor, ElementScan, Input, PullError, input_error, located};
use std::collections::VecDeque;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc;

/// The size of a run of elements handed to a worker.
const RUN: usize = 512 << 10;

/// Files smaller than this are read on one thread.
const MIN_FILE: u64 = 16 << 20;

/// The most worker threads.
const MAX_WORKERS: usize = 16;

/// How to read one big array: the parsing threads and the run size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    /// Parsing threads (besides the one that reads the file).
    pub workers: usize,
    /// Bytes of whole elements per run (at least).
    pub run: usize,
}

impl Plan {
    /// The plan for a file of `len` bytes, or `None` to read it on one
    /// thread (a small file, or one core). The environment variable
    /// `CANVASS_READ_THREADS` sets the number of parsing threads (`1`:
    /// read on one thread); by default it is the number of cores.
    pub fn for_len(len: u64) -> Option<Plan> {
        let workers = std::env::var("CANVASS_READ_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if workers < 2 || len < MIN_FILE {
            return None;
        }
        Some(Plan {
            workers: workers.min(MAX_WORKERS),
            run: RUN,
        })
    }
}

/// How many threads a reader may use.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Threads {
    /// By the size of the file and the machine ([`Plan::for_len`]).
    Auto,
    /// This plan (`None`: one thread).
    Fixed(Option<Plan>),
}

impl Threads {
    /// The plan for reading `path`.
    pub fn plan(self, path: &Path) -> Option<Plan> {
        match self {
            Threads::Auto => std::fs::metadata(path)
                .ok()
                .and_then(|m| Plan::for_len(m.len())),
            Threads::Fixed(plan) => plan,
        }
    }
}

/// A run of whole elements for a worker.
struct Job {
    bytes: Vec<u8>,
    /// Where the elements are in `bytes`.
    elements: Range<usize>,
    /// The file offset of the first byte of `elements`.
    offset: u64,
    /// No element before it: the run does not start with a `,`.
    first: bool,
    /// The record number of its first element.
    record: u64,
    /// How many elements it holds.
    count: u64,
}

/// What a worker made of a run.
struct Done<T> {
    items: Vec<T>,
    /// The first error of the run, with its record number.
    error: Option<(u64, PullError)>,
    /// The run's buffer, to reuse.
    bytes: Vec<u8>,
    /// The file offset of the first byte of the job's elements.
    offset: u64,
}

/// Parse the elements of the array `input` is in (after its `[`, and after
/// the elements `first` and `record` account for) on `plan.workers`
/// threads, calling `each` in file order on the main thread. `scratch`
/// makes each worker's reusable state; `parse` reads one element with the
/// record number it has. `at` places an error in a record.
///
/// Returns when the cut stops (the end of the array, or bytes the scan does
/// not expect): `input` then stands before the first element not parsed, and
/// `first` and `record` are updated, so the caller reads on with
/// [`Input::step`] as it would have. The workers' scratch states come back
/// (one per worker), so that `parse` may also fold each element into its
/// worker's state (order-independent work such as a tally); after an error
/// they do not come back, as later runs may have been parsed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn elements<R, S, T, MakeScratch, Parse>(
    input: &mut Input<R>,
    plan: Plan,
    first: &mut bool,
    record: &mut u64,
    scratch: MakeScratch,
    parse: Parse,
    mut each: impl FnMut(T) -> Result<(), FormatError>,
    at: impl Fn(u64) -> Location,
) -> Result<Vec<S>, FormatError>
where
    R: Read,
    S: Send,
    T: Send,
    MakeScratch: Fn() -> S + Sync,
    Parse: Fn(&mut Cursor<'_>, &mut S, u64) -> Result<T, PullError> + Sync,
{
    let workers = plan.workers.max(1);
    std::thread::scope(|scope| {
        let mut jobs = Vec::with_capacity(workers);
        let mut dones = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (job_tx, job_rx) = mpsc::channel::<Job>();
            let (done_tx, done_rx) = mpsc::channel::<Done<T>>();
            let (scratch, parse) = (&scratch, &parse);
            handles.push(scope.spawn(move || work(job_rx, done_tx, scratch, parse)));
            jobs.push(job_tx);
            dones.push(done_rx);
        }
        let mut pool: Vec<Vec<u8>> = Vec::new();
        // The worker of each run in flight, oldest first.
        let mut in_flight: VecDeque<usize> = VecDeque::new();
        let mut scan = ElementScan {
            need_comma: !*first,
            done: false,
        };
        let mut next_record = *record;
        let mut next_worker = 0usize;
        let mut stopped = None;
        // Take the oldest run back and hand its records on.
        let mut finish = |worker: usize, pool: &mut Vec<Vec<u8>>| -> Result<(), FormatError> {
            let done = dones
                .get(worker)
                .and_then(|rx| rx.recv().ok())
                .ok_or_else(|| {
                    FormatError::invalid(at(*record), "a parsing thread stopped".to_owned())
                })?;
            pool.push(done.bytes);
            for item in done.items {
                each(item)?;
                *record += 1;
                *first = false;
            }
            match done.error {
                None => Ok(()),
                Some((n, e)) => Err(input_error(at(n), located(e, done.offset))),
            }
        };
        while !scan.done {
            if in_flight.len() >= 2 * workers
                && let Some(w) = in_flight.pop_front()
            {
                finish(w, &mut pool)?;
            }
            let mut bytes = pool.pop().unwrap_or_default();
            let job_first = !scan.need_comma;
            let offset = input.offset();
            let (elements, count) = match input.cut_elements(&mut scan, plan.run, &mut bytes) {
                Ok(cut) => cut,
                Err(e) => {
                    stopped = Some(e);
                    break;
                }
            };
            if count == 0 {
                pool.push(bytes);
                continue;
            }
            let worker = next_worker % workers;
            next_worker += 1;
            let job = Job {
                bytes,
                elements,
                offset,
                first: job_first,
                record: next_record,
                count,
            };
            next_record += count;
            // The offset of a run is where its bytes were in the file.
            let sent = jobs.get(worker).map(|tx| tx.send(job).is_ok());
            if sent != Some(true) {
                return Err(FormatError::invalid(
                    at(*record),
                    format!("a parsing thread stopped (at byte {offset})"),
                ));
            }
            in_flight.push_back(worker);
        }
        while let Some(w) = in_flight.pop_front() {
            finish(w, &mut pool)?;
        }
        drop(jobs);
        if let Some(e) = stopped {
            return Err(input_error(at(*record), e));
        }
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|_| {
                    FormatError::invalid(at(*record), "a parsing thread stopped".to_owned())
                })
            })
            .collect()
    })
}

/// A worker: parse each run it is given, and send the results back; its
/// scratch state at the end is the thread's result.
fn work<S, T>(
    jobs: mpsc::Receiver<Job>,
    done: mpsc::Sender<Done<T>>,
    scratch: &dyn Fn() -> S,
    parse: &dyn Fn(&mut Cursor<'_>, &mut S, u64) -> Result<T, PullError>,
) -> S {
    let mut s = scratch();
    for job in jobs {
        let mut items = Vec::with_capacity(usize::try_from(job.count).unwrap_or(0));
        let mut error = None;
        let mut record = job.record;
        {
            let mut cur = Cursor::new(job.bytes.get(job.elements.clone()).unwrap_or_default());
            let mut f = job.first;
            loop {
                match cur.element(&mut f) {
                    Ok(true) => {}
                    // The end of the run.
                    Err(PullError::Eof) => break,
                    // Runs hold whole objects only: not reached.
                    Ok(false) => {
                        error = Some((record, cur.error("expected the next element")));
                        break;
                    }
                    Err(e) => {
                        error = Some((record, e));
                        break;
                    }
                }
                match parse(&mut cur, &mut s, record) {
                    Ok(item) => items.push(item),
                    Err(e) => {
                        error = Some((record, e));
                        break;
                    }
                }
                record += 1;
            }
        }
        let result = Done {
            items,
            error,
            bytes: job.bytes,
            offset: job.offset,
        };
        if done.send(result).is_err() {
            // The reader stopped (an error before this run): nothing to do.
            return s;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::cdf_json_writer::CdfJsonWriter;
    use crate::dominion_json_writer::DominionJsonWriter;
    use crate::{CardSink, SourceOptions};
    use canvass_model::{
        CandidateId, Card, CardId, CardLocation, Choice, ContestKind, ContestVotes, Election, Mark,
    };
    use std::path::PathBuf;

    /// An election with a ranked and a plurality contest, and `n` cards
    /// (some with escapes in their ids) written as CDF JSON and as a
    /// Dominion export.
    fn files(dir: &Path, n: u64) -> (PathBuf, PathBuf) {
        let mut election = Election::default();
        let mayor =
            election.intern_contest("mayor", "Mayor \"of\" the \\ city", ContestKind::Ranked);
        election.contest_mut(mayor).max_ranks = Some(3);
        let council = election.intern_contest("council", "Council {1}", ContestKind::Plurality);
        for k in 0..4 {
            election
                .contest_mut(mayor)
                .intern_candidate(&format!("k{k}"), &format!("Candidate {{{k}}}"));
            election
                .contest_mut(council)
                .intern_candidate(&format!("c{k}"), &format!("Council \"{k}\""));
        }
        let cdf = dir.join("cvr.json");
        let dominion = dir.join("dominion");
        let f = std::fs::File::create(&cdf).unwrap();
        let mut w1 = CdfJsonWriter::new(f, Some(&election)).unwrap();
        let mut w2 = DominionJsonWriter::new(&dominion, &election).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..n {
            let mut card = Card::new(CardId::new(format!("1-{}-{i}", i / 7)));
            card.location = CardLocation {
                tabulator: Some("1".into()),
                batch: Some((i / 7).to_string()),
                position: Some(i),
                imprinted_id: None,
            };
            card.precinct = Some(format!("P{{{}}}\"", i % 3));
            let mut marks = Vec::new();
            for rank in 1..=(next() % 4) as u32 {
                let k = (next() % 4) as u32;
                marks.push(Mark::ranked(rank, Choice::Candidate(CandidateId(k))));
            }
            card.contests.push(ContestVotes::new(mayor, marks));
            if i % 5 != 0 {
                let k = (next() % 4) as u32;
                card.contests.push(ContestVotes::new(
                    council,
                    vec![Mark::vote(Choice::Candidate(CandidateId(k)))],
                ));
            }
            w1.write_card(&election, &card).unwrap();
            w2.write_card(&election, &card).unwrap();
        }
        w1.finish(&election).unwrap();
        w2.finish(&election).unwrap();
        (cdf, dominion)
    }

    type Reader = fn(
        &Path,
        &SourceOptions,
        &mut Election,
        &mut CardSink<'_>,
        Threads,
    ) -> Result<(), FormatError>;

    /// What a read gives: the election, the cards before the end (or the
    /// error), and the error.
    fn read(
        reader: Reader,
        path: &Path,
        threads: Threads,
    ) -> (Election, Vec<Card>, Option<String>) {
        let mut election = Election::default();
        let mut cards = Vec::new();
        let result = reader(
            path,
            &SourceOptions::default(),
            &mut election,
            &mut |_, card| {
                cards.push(card);
                Ok(())
            },
            threads,
        );
        (election, cards, result.err().map(|e| e.to_string()))
    }

    fn plans() -> Vec<Threads> {
        [(2, 1), (3, 700), (2, 5000)]
            .into_iter()
            .map(|(workers, run)| Threads::Fixed(Some(Plan { workers, run })))
            .collect()
    }

    #[test]
    fn several_threads_read_what_one_reads() {
        let dir = tempfile::tempdir().unwrap();
        let (cdf, dominion) = files(dir.path(), 120);
        let readers: [(Reader, PathBuf); 2] = [
            (crate::cdf_json::read_with, cdf),
            (
                crate::dominion_json::read_with,
                dominion.join("CvrExport.json"),
            ),
        ];
        for (reader, path) in readers {
            let one = read(reader, &path, Threads::Fixed(None));
            assert_eq!(one.1.len(), 120, "{}", path.display());
            assert_eq!(one.2, None);
            for threads in plans() {
                assert!(
                    read(reader, &path, threads) == one,
                    "{threads:?} {}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn several_threads_fail_as_one_does() {
        // Truncations and damaged bytes all through the file: the cards
        // handed on before the error, and the error itself (file, record,
        // field, byte offset), are the same on one thread and on several.
        let dir = tempfile::tempdir().unwrap();
        let (cdf, dominion) = files(dir.path(), 12);
        let export = dominion.join("CvrExport.json");
        // (The damaged Dominion file stays next to the manifests.)
        let readers: [(Reader, PathBuf, &str); 2] = [
            (crate::cdf_json::read_with, cdf, "damaged.json"),
            (crate::dominion_json::read_with, export, "CvrExport_1.json"),
        ];
        for (reader, path, name) in readers {
            let bytes = std::fs::read(&path).unwrap();
            let damaged = path.with_file_name(name);
            let mut step = 0usize;
            let mut at = 0usize;
            while at < bytes.len() {
                let mut b = bytes.clone();
                match step % 6 {
                    0 => b.truncate(at),
                    1 => b[at] = b'x',
                    2 => b[at] = b'"',
                    3 => b[at] = b'}',
                    4 => b[at] = b'{',
                    _ => b[at] = b'\\',
                }
                std::fs::write(&damaged, &b).unwrap();
                let one = read(reader, &damaged, Threads::Fixed(None));
                for threads in plans() {
                    let several = read(reader, &damaged, threads);
                    assert!(
                        several == one,
                        "{} damaged at {at} ({}): {:?} vs {:?}",
                        path.display(),
                        step % 6,
                        several.2,
                        one.2
                    );
                }
                step += 1;
                at += 1 + step % 53;
            }
            std::fs::remove_file(&damaged).unwrap();
        }
    }
}
