//! Reading scenario files: TOML parsing with file and line:column in every error, the
//! `extends` chain (cycles and missing files are errors), and the merge of a child over
//! its parent.
//!
//! Merge rule: tables merge key by key, the child's value winning; arrays are replaced
//! whole; a table that defines a value (it has a `value` or `dist` key: a parameter or a
//! baseline) is replaced whole, so a child never mixes its distribution with the parent's.

use super::actuals::{self, Actuals};
use super::raw::RawScenario;
use super::spans::{Seg, Spans, blank, parse_path, path_string};
use crate::error::{Place, Problem, ScenarioError};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One file of a scenario, with the SHA-256 of its bytes (for the manifest).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceFile {
    pub path: PathBuf,
    pub sha256: String,
}

/// A scenario read from disk: the merged raw content and the files it came from, the
/// scenario file itself first, then each file it extends in order.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub raw: RawScenario,
    /// The merged table the scenario was built from (after `extends`, without `extends`
    /// and `name`): what `manifest.json` records as the resolved scenario.
    pub merged: toml::Table,
    pub files: Vec<SourceFile>,
    /// The name from the scenario file's own `name` key, or its file stem.
    pub name: String,
    /// The observation files: those `observations.files` names, then those given on the
    /// command line, each read and parsed.
    pub observations: Vec<ObservationFile>,
    /// Problems the parser found and stepped over (unknown keys, wrong types): the
    /// entries they name were left out of `raw` and `merged`.
    pub problems: Vec<ScenarioError>,
    /// The key paths of the entries left out, so that validation does not report them
    /// again as missing.
    pub removed: Vec<String>,
}

/// An observation file, read and parsed.
#[derive(Debug, Clone)]
pub struct ObservationFile {
    pub file: SourceFile,
    pub content: Actuals,
}

/// The maximum length of an `extends` chain.
pub const MAX_EXTENDS_DEPTH: usize = 16;

/// The largest scenario file read, in bytes (a scenario of China's 2,850 county-level units
/// is a few MB).
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// The longest scenario name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Checks that a scenario name is a plain folder name: the run writes `output/<name>/`.
pub fn check_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{}` {why}", name.escape_debug()));
    if name.trim().is_empty() {
        return Err("is empty; the run writes to output/<name>/, so give a plain folder name such as \"henan-baseline\"".into());
    }
    if name == "." || name == ".." {
        return bad("is not a folder name; the run writes to output/<name>/");
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return bad(&format!(
            "contains `{c}`; the name must be a plain folder name (the run writes to output/<name>/), without path separators"
        ));
    }
    if name.chars().any(char::is_control) {
        return bad("contains a control character; the name must be a plain folder name");
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
    {
        return bad(&format!(
            "contains `{c}`, which folder names on Windows cannot; the name must be a plain folder name"
        ));
    }
    if name.starts_with('.') {
        return bad(
            "starts with `.`, which would hide its output folder; the name must be a plain folder name",
        );
    }
    if name != name.trim() {
        return bad("starts or ends with a space; the name must be a plain folder name");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return bad(&format!("is longer than {MAX_NAME_CHARS} characters"));
    }
    Ok(())
}

/// Reads an input file (scenario or actuals): a regular file of at most
/// [`MAX_SCENARIO_BYTES`]. The error is the reason, for the caller to place.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("it is a folder, not a file".into());
    }
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let too_big = || {
        format!(
            "it is larger than {} MB, the limit for an input file",
            MAX_SCENARIO_BYTES >> 20
        )
    };
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// The text of a scenario file, which must be UTF-8; the error points at the first byte
/// that is not.
fn utf8(path: &Path, bytes: &[u8]) -> Result<String, ScenarioError> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.strip_prefix('\u{feff}').unwrap_or(t).to_string()),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let (line, column) = line_column(valid, valid.len());
            Err(ScenarioError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: "the file is not UTF-8 (saved as GBK or another legacy encoding?); save it as UTF-8".into(),
            })
        }
    }
}

/// Where scenario files are read from: the disk, or memory (for fuzzing and tests).
pub trait Files {
    /// The bytes of a file, or why it cannot be read (a reason for the user).
    fn read(&self, path: &Path) -> Result<Vec<u8>, String>;
    /// Whether anything is at `path`.
    fn exists(&self, path: &Path) -> bool;
    /// A canonical form of `path`, to detect `extends` cycles.
    fn canonical(&self, path: &Path) -> PathBuf;
}

/// Scenario files on disk.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        read_limited(path)
    }
    fn exists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }
    fn canonical(&self, path: &Path) -> PathBuf {
        path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Scenario files in memory, by path (lexically normalised).
#[derive(Debug, Clone, Default)]
pub struct InMemory(pub std::collections::HashMap<PathBuf, Vec<u8>>);

impl InMemory {
    fn normal(path: &Path) -> PathBuf {
        let mut out = PathBuf::new();
        for c in path.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c),
            }
        }
        out
    }

    /// Adds a file.
    pub fn insert(&mut self, path: impl AsRef<Path>, bytes: impl Into<Vec<u8>>) {
        self.0.insert(Self::normal(path.as_ref()), bytes.into());
    }
}

impl Files for InMemory {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        let bytes = self
            .0
            .get(&Self::normal(path))
            .ok_or_else(|| "No such file or directory (os error 2)".to_string())?;
        if bytes.len() as u64 > MAX_SCENARIO_BYTES {
            return Err("too large".into());
        }
        Ok(bytes.clone())
    }
    fn exists(&self, path: &Path) -> bool {
        self.0.contains_key(&Self::normal(path))
    }
    fn canonical(&self, path: &Path) -> PathBuf {
        Self::normal(path)
    }
}

/// Reads a scenario file and everything it extends.
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    let mut texts = Texts::default();
    load_from(path, &Disk, &[], &mut texts).map_err(|e| texts.place(e))
}

/// Reads a scenario file, everything it extends and the observation files it names from
/// `files`, adding the observation files in `extra` (given on the command line). Each
/// file's text is added to `texts`, to place the problems.
///
/// A problem the parser can step over (an unknown key, a wrong type, a value out of
/// range) is kept in [`Loaded::problems`] and the rest is read; the others (a file that
/// cannot be read, a syntax error, an `extends` cycle) stop the reading and are returned
/// with the problems found before them.
pub fn load_from(
    path: &Path,
    files_src: &dyn Files,
    extra: &[PathBuf],
    texts: &mut Texts,
) -> Result<Loaded, Vec<ScenarioError>> {
    let mut chain: Vec<PathBuf> = Vec::new();
    let mut files: Vec<SourceFile> = Vec::new();
    let mut tables: Vec<toml::Table> = Vec::new();
    let mut problems: Vec<ScenarioError> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut current = path.to_path_buf();
    let mut own_name: Option<String> = None;
    let stop = |mut problems: Vec<ScenarioError>, e: ScenarioError| {
        problems.push(e);
        problems
    };
    loop {
        let canonical = files_src.canonical(&current);
        if let Err(e) = check_chain(&chain, &canonical, &files, &current) {
            return Err(stop(problems, e));
        }
        let file = match read_file(files_src, &current, files.last(), texts) {
            Ok(f) => f,
            Err(mut found) => {
                problems.append(&mut found);
                return Err(problems);
            }
        };
        problems.extend(file.problems);
        removed.extend(file.removed);
        if own_name.is_none() {
            match scenario_name(&current, &file.typed) {
                Ok(n) => own_name = Some(n),
                Err(e) => problems.push(e),
            }
        }
        files.push(SourceFile {
            path: current.clone(),
            sha256: hex_sha256(&file.bytes),
        });
        let mut table = file.table;
        resolve_observation_paths(&mut table, &current);
        tables.push(table);
        chain.push(canonical);
        match file.typed.extends {
            None => break,
            Some(parent) => match extended(files_src, &current, &parent) {
                Ok(next) => current = next,
                Err(e) => return Err(stop(problems, e)),
            },
        }
    }
    let (raw, merged) = merge_chain(path, tables).map_err(|e| stop(problems.clone(), e))?;
    let observations =
        read_observations(path, files_src, &raw, extra).map_err(|e| stop(problems.clone(), e))?;
    Ok(Loaded {
        raw,
        merged,
        files,
        name: own_name.unwrap_or_else(|| file_stem(path)),
        observations,
        problems,
        removed,
    })
}

/// The text of every scenario file read, in `extends` order, to place problems at their
/// line and column.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    files: Vec<(PathBuf, String, Spans)>,
}

impl Texts {
    fn add(&mut self, path: &Path, text: &str) {
        self.files
            .push((path.to_path_buf(), text.to_string(), Spans::of(text)));
    }

    /// Every problem placed at its line and column (a key path is looked up in the file
    /// that writes it, the scenario file first), sorted by file and position. A single
    /// problem that has no place is returned as it is.
    pub fn place(&self, errors: Vec<ScenarioError>) -> ScenarioError {
        let mut problems: Vec<(usize, usize, usize, Problem)> =
            errors.into_iter().map(|e| self.problem(e)).collect();
        problems.sort_by_key(|(f, l, c, _)| (*f, *l, *c));
        let mut problems: Vec<Problem> = problems.into_iter().map(|p| p.3).collect();
        if problems.len() == 1 && problems[0].place.is_none() && problems[0].hint.is_none() {
            return problems.remove(0).error;
        }
        ScenarioError::Problems(problems)
    }

    /// A problem placed, with its sort key (file index, line, column).
    fn problem(&self, error: ScenarioError) -> (usize, usize, usize, Problem) {
        let unplaced = |error: ScenarioError| {
            let hint = None;
            (
                usize::MAX,
                0,
                0,
                Problem {
                    error,
                    place: None,
                    hint,
                },
            )
        };
        let placed = match &error {
            ScenarioError::Parse {
                path,
                line,
                column,
                message,
            } => self.at_line(path, *line, *column).map(|(fi, place)| {
                let hint = did_you_mean(message);
                (fi, place, hint)
            }),
            ScenarioError::ExtendsCycle { path, .. } => self.at_key_in(path, "extends"),
            ScenarioError::Invalid { key, message, .. } => {
                let hint = message
                    .split_once("\nhelp: ")
                    .map(|(_, h)| h.to_string())
                    .or_else(|| did_you_mean(message));
                self.at_key(key)
                    .map(|(fi, p, replaced)| (fi, p, hint.or(replaced)))
            }
            _ => None,
        };
        match placed {
            None => unplaced(error),
            Some((fi, place, hint)) => (
                fi,
                place.line,
                place.column,
                Problem {
                    error,
                    place: Some(place),
                    hint,
                },
            ),
        }
    }

    /// The place of line `line`, column `column` of `path`: the word there underlined.
    fn at_line(&self, path: &Path, line: usize, column: usize) -> Option<(usize, Place)> {
        let fi = self.files.iter().position(|(p, ..)| p == path)?;
        let text = self.files[fi].1.lines().nth(line.checked_sub(1)?)?;
        let start = text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        let end = word_end(text, start);
        Some((fi, place(&self.files[fi].0, text, line, start..end)))
    }

    /// The place of the key `key` in the file `path`.
    fn at_key_in(&self, path: &Path, key: &str) -> Option<(usize, Place, Option<String>)> {
        let fi = self.files.iter().position(|(p, ..)| p == path)?;
        let (file, text, spans) = &self.files[fi];
        let span = spans.exact(&parse_path(key))?.key.clone();
        Some((fi, place_span(file, text, span), None))
    }

    /// The place of the key path `key`: where the merged scenario took it from (or, for a
    /// missing key, the table that should hold it), its key or table header underlined.
    fn at_key(&self, key: &str) -> Option<(usize, Place, Option<String>)> {
        let segs = parse_path(key);
        let (fi, span) = self.owner(&segs)?;
        let hint = self.replaced_hint(&segs, fi);
        let (path, text, _) = &self.files[fi];
        Some((fi, place_span(path, text, span), hint))
    }
}

impl Texts {
    /// The file the merged value at `segs` comes from, and the span of the deepest entry
    /// of it that file writes. Step by step down the path, the files that write it are
    /// those of the previous step; the scenario file wins over those it extends, and when
    /// its value replaces theirs whole (a value, an array, or a table where one of them
    /// has `value` or `dist`), only it is followed further — as `merge` does.
    fn owner(&self, segs: &[Seg]) -> Option<(usize, std::ops::Range<usize>)> {
        let mut candidates: Vec<usize> = (0..self.files.len()).collect();
        let mut best = None;
        for k in 1..=segs.len() {
            let prefix = &segs[..k];
            let writers: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&fi| self.files[fi].2.writes(prefix))
                .collect();
            let Some(&first) = writers.first() else {
                break;
            };
            let whole = writers
                .iter()
                .any(|&fi| self.files[fi].2.replaces_whole(prefix));
            candidates = if whole { vec![first] } else { writers };
            // The entry itself, or (for a table only implied by a deeper header) the
            // first entry under it, in the file that wins.
            let spans = &self.files[candidates[0]].2;
            if let Some(e) = spans.exact(prefix).or_else(|| spans.under(prefix).next()) {
                best = Some((candidates[0], e.key.clone()));
            }
        }
        best
    }

    /// For a key missing from the merged scenario that a file extended by the scenario
    /// writes: why it does not count (a list or a table with `value` replaced whole).
    fn replaced_hint(&self, segs: &[Seg], owner: usize) -> Option<String> {
        if self.files[owner].2.exact(segs).is_some() {
            return None;
        }
        let (other, _, _) = self
            .files
            .iter()
            .skip(owner + 1)
            .find(|f| f.2.exact(segs).is_some())?;
        let name = other.file_name()?.to_string_lossy();
        if let Some(i) = segs.iter().rposition(|s| matches!(s, Seg::Index(_))) {
            return Some(format!(
                "this file's `{}` replaces the whole list of {name} (a list is replaced, never merged): repeat in this file every entry to keep",
                path_string(&segs[..i])
            ));
        }
        Some(format!(
            "{name} gives `{}` here, but a table with `value` or `dist` is replaced whole by the file that extends it, never mixed: give every key of the table in this file",
            path_string(&segs[segs.len() - 1..])
        ))
    }
}

/// The place of the bytes `span` of a file's `text` (on the line where they start).
fn place_span(file: &Path, text: &str, span: std::ops::Range<usize>) -> Place {
    let (line, _) = line_column(text, span.start);
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let start = span.start - line_start;
    let end = (span.end - line_start).min(line_text.len()).max(start);
    place(file, line_text, line, start..end)
}

/// A place on one line: `underline` are bytes of `text`.
fn place(file: &Path, text: &str, line: usize, underline: std::ops::Range<usize>) -> Place {
    Place {
        file: file.to_path_buf(),
        line,
        column: text[..underline.start].chars().count() + 1,
        text: text.to_string(),
        underline,
    }
}

/// The end of the word starting at byte `start` of `line`: a bare key, a quoted string,
/// a number or a single character.
fn word_end(line: &str, start: usize) -> usize {
    let rest = &line[start..];
    if let Some(q) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        return rest[1..].find(q).map_or(line.len(), |i| start + i + 2);
    }
    let n = rest
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+')))
        .unwrap_or(rest.len());
    start + n.max(rest.chars().next().map_or(0, char::len_utf8))
}

/// For an unknown name (`unknown key `valu`; expected one of `value`, …` or `unknown
/// indicator `jobs`; valid indicators: a, b`), the known name nearest to it, if one is
/// close: a hint.
fn did_you_mean(message: &str) -> Option<String> {
    let at = message.find("unknown ")?;
    let rest = &message[at..];
    let (_, rest) = rest.split_once('`')?;
    let (bad, rest) = rest.split_once('`')?;
    let mut known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    if known.is_empty() {
        let (_, list) = rest.rsplit_once(": ")?;
        known = list.split(", ").map(str::trim).collect();
    }
    let (best, d) = known
        .iter()
        .map(|k| (*k, edit_distance(bad, k)))
        .min_by_key(|(_, d)| *d)?;
    let longest = bad.chars().count().max(best.chars().count());
    (d <= 2.max(longest * 2 / 5)).then(|| format!("did you mean `{best}`?"))
}

/// Levenshtein distance in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Makes the paths of `observations.files` in one file's table relative to the folder
/// of that file (`file`), as `extends` is, so that they survive the merge.
fn resolve_observation_paths(table: &mut toml::Table, file: &Path) {
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let Some(toml::Value::Table(obs)) = table.get_mut("observations") else {
        return;
    };
    let Some(toml::Value::Array(list)) = obs.get_mut("files") else {
        return;
    };
    for v in list.iter_mut() {
        if let toml::Value::String(s) = v
            && !s.trim().is_empty()
        {
            *s = base.join(&*s).to_string_lossy().into_owned();
        }
    }
}

/// Reads and parses the observation files the merged scenario names, then those in
/// `extra`. A file that cannot be read is reported at `observations.files` (or as a
/// command-line file); a malformed line at its file and line.
fn read_observations(
    path: &Path,
    files_src: &dyn Files,
    raw: &RawScenario,
    extra: &[PathBuf],
) -> Result<Vec<ObservationFile>, ScenarioError> {
    let declared = raw.observations.as_ref().and_then(|o| o.files.clone());
    let mut out = Vec::new();
    for (i, name) in declared.iter().flatten().enumerate() {
        let key = format!("observations.files[{i}]");
        if name.trim().is_empty() {
            return Err(ScenarioError::Invalid {
                path: path.to_path_buf(),
                key,
                message: "is empty: name an observation file (the actuals CSV layout)".into(),
            });
        }
        let file = PathBuf::from(name);
        let bytes = files_src
            .read(&file)
            .map_err(|reason| ScenarioError::Invalid {
                path: path.to_path_buf(),
                key,
                message: format!("cannot read {}: {reason}", file.display()),
            })?;
        out.push(observation_file(file, &bytes)?);
    }
    for file in extra {
        let bytes = files_src
            .read(file)
            .map_err(|reason| ScenarioError::ObservationsRead {
                path: file.clone(),
                reason,
            })?;
        out.push(observation_file(file.clone(), &bytes)?);
    }
    Ok(out)
}

/// One observation file's content, parsed.
fn observation_file(path: PathBuf, bytes: &[u8]) -> Result<ObservationFile, ScenarioError> {
    let content = actuals::parse(&path, bytes).map_err(ScenarioError::Observations)?;
    Ok(ObservationFile {
        file: SourceFile {
            sha256: hex_sha256(bytes),
            path,
        },
        content,
    })
}

/// One file of a chain, read and parsed.
struct ParsedFile {
    bytes: Vec<u8>,
    /// The typed parse of this file alone: syntax, unknown keys, types and simple ranges
    /// are checked here, with line:column.
    typed: RawScenario,
    /// The same file as a plain table, for the merge.
    table: toml::Table,
    /// Problems the parser stepped over, and the key paths of the entries left out.
    problems: Vec<ScenarioError>,
    removed: Vec<String>,
}

/// Refuses a cycle in the `extends` chain and a chain that is too long.
fn check_chain(
    chain: &[PathBuf],
    canonical: &PathBuf,
    files: &[SourceFile],
    current: &Path,
) -> Result<(), ScenarioError> {
    if chain.contains(canonical) {
        let mut names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        names.push(current.display().to_string());
        return Err(ScenarioError::ExtendsCycle {
            path: files.last().map(|f| f.path.clone()).unwrap_or_default(),
            chain: names.join(" -> "),
        });
    }
    if chain.len() >= MAX_EXTENDS_DEPTH {
        return Err(ScenarioError::Invalid {
            path: current.to_path_buf(),
            key: "extends".into(),
            message: format!("`extends` chain is longer than {MAX_EXTENDS_DEPTH} files"),
        });
    }
    Ok(())
}

/// Reads and parses one file; a file that cannot be read is reported at the `extends` of
/// the file holding it (`holder`), if any.
fn read_file(
    files_src: &dyn Files,
    current: &Path,
    holder: Option<&SourceFile>,
    texts: &mut Texts,
) -> Result<ParsedFile, Vec<ScenarioError>> {
    let bytes = files_src.read(current).map_err(|reason| {
        vec![match holder {
            None => ScenarioError::Read {
                path: current.to_path_buf(),
                reason,
            },
            Some(holder) => ScenarioError::Invalid {
                path: holder.path.clone(),
                key: "extends".into(),
                message: format!("cannot read {}: {reason}", current.display()),
            },
        }]
    })?;
    let text = utf8(current, &bytes).map_err(|e| vec![e])?;
    texts.add(current, &text);
    let recovered = parse_recovering(current, &text)?;
    Ok(ParsedFile {
        bytes,
        typed: recovered.typed,
        table: recovered.table,
        problems: recovered.problems,
        removed: recovered.removed,
    })
}

/// The most problems reported from one file.
pub const MAX_PROBLEMS: usize = 50;

/// A file parsed with its bad entries left out.
struct Recovered {
    typed: RawScenario,
    table: toml::Table,
    problems: Vec<ScenarioError>,
    removed: Vec<String>,
}

/// Parses a file, stepping over each entry the typed parse rejects (an unknown key, a
/// wrong type, a value out of range): the entry's text is blanked and the file parsed
/// again, so that every such problem is found in one pass. A syntax error stops the
/// parse, as does a problem that cannot be stepped over; the problems found are returned.
fn parse_recovering(path: &Path, text: &str) -> Result<Recovered, Vec<ScenarioError>> {
    let mut work = text.to_string();
    let mut problems = Vec::new();
    let mut removed = Vec::new();
    loop {
        let table: toml::Table = match work.parse() {
            Ok(t) => t,
            // The original text is not TOML; or blanking an entry made it so (then the
            // problems found so far stand alone).
            Err(e) if problems.is_empty() => {
                let e: toml::de::Error = e;
                return Err(vec![located(path, text, e.span(), e.message())]);
            }
            Err(_) => return Err(problems),
        };
        let e = match toml::from_str::<RawScenario>(&work) {
            Ok(typed) => {
                return Ok(Recovered {
                    typed,
                    table,
                    problems,
                    removed,
                });
            }
            Err(e) => e,
        };
        problems.push(located(path, text, e.span(), e.message()));
        let spans = Spans::of(&work);
        let Some(entry) = e.span().and_then(|s| spans.entry_at(s.start)) else {
            return Err(problems);
        };
        let entry_path = entry.path.clone();
        let ranges: Vec<_> = spans.under(&entry_path).map(|e| e.whole.clone()).collect();
        for r in ranges {
            blank(&mut work, r);
        }
        removed.push(path_string(&entry_path));
        if problems.len() >= MAX_PROBLEMS {
            return Err(problems);
        }
    }
}

/// The scenario's name: its `name`, or the file name without `.toml`; a plain folder name.
fn scenario_name(current: &Path, typed: &RawScenario) -> Result<String, ScenarioError> {
    let name = match &typed.name {
        Some(n) => n.clone(),
        None => file_stem(current),
    };
    if let Err(why) = check_name(&name) {
        let message = match &typed.name {
            Some(_) => why,
            None => format!(
                "the file name gives the scenario name `{name}`, which {}; set `name`",
                why.trim_start_matches(&format!("`{name}` "))
            ),
        };
        return Err(ScenarioError::Invalid {
            path: current.to_path_buf(),
            key: "name".into(),
            message,
        });
    }
    Ok(name)
}

/// The file `current`'s `extends = parent` names, relative to `current`.
fn extended(files_src: &dyn Files, current: &Path, parent: &str) -> Result<PathBuf, ScenarioError> {
    let base = current.parent().map(Path::to_path_buf).unwrap_or_default();
    let next = base.join(parent);
    if parent.trim().is_empty() {
        return Err(ScenarioError::Invalid {
            path: current.to_path_buf(),
            key: "extends".into(),
            message: "is empty: name the scenario file this one builds on".into(),
        });
    }
    if !files_src.exists(&next) {
        return Err(ScenarioError::Invalid {
            path: current.to_path_buf(),
            key: "extends".into(),
            message: format!("extended file {} does not exist", next.display()),
        });
    }
    Ok(next)
}

/// Merges the chain from the root ancestor down to the scenario file itself.
fn merge_chain(
    path: &Path,
    tables: Vec<toml::Table>,
) -> Result<(RawScenario, toml::Table), ScenarioError> {
    let mut merged = toml::Table::new();
    for t in tables.into_iter().rev() {
        merge(&mut merged, t);
    }
    merged.remove("extends");
    merged.remove("name");
    let raw = RawScenario::deserialize(toml::Value::Table(merged.clone())).map_err(|e| {
        ScenarioError::Invalid {
            path: path.to_path_buf(),
            key: "(merged extends chain)".into(),
            message: e.message().to_string(),
        }
    })?;
    Ok((raw, merged))
}

/// Deep-merges `child` over `base` (see the module docs for the rule).
pub fn merge(base: &mut toml::Table, child: toml::Table) {
    for (k, v) in child {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(c))
                if !defines_value(b) && !defines_value(&c) =>
            {
                merge(b, c)
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn defines_value(t: &toml::Table) -> bool {
    t.contains_key("value") || t.contains_key("dist")
}

fn located(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
) -> ScenarioError {
    let (line, column) = span.map(|s| line_column(text, s.start)).unwrap_or((1, 1));
    ScenarioError::Parse {
        path: path.to_path_buf(),
        line,
        column,
        message: in_user_terms(message),
    }
}

/// The parser's message on one line, with Rust type names put in the format's terms.
fn in_user_terms(message: &str) -> String {
    const TERMS: &[(&str, &str)] = &[
        (
            "invalid string; expected `\"`, `'`",
            "expected a value: a number, true or false, an [array], a { table } or \"text in quotes\"",
        ),
        (
            "expected `.`, `=`",
            "expected `=` after the key (a line is `key = value`)",
        ),
        (
            "invalid table header; expected `.`, `]`",
            "the table header is not closed: expected `]`",
        ),
        (
            "invalid basic string",
            "the text is not closed: end it with `\"` on the same line",
        ),
        ("unknown field `", "unknown key `"),
        ("unknown variant `", "unknown value `"),
        ("`, expected one of ", "`; expected one of "),
        ("`, expected `", "`; expected `"),
        ("`, there are no fields", "`; this table takes no keys"),
        (
            "expected struct RawParam",
            "expected a parameter table, e.g. { value = 0.5, assumption = \"...\" }",
        ),
        (
            "expected struct RawSeries",
            "expected a table with `values`",
        ),
        (
            "expected struct RawYearFigure",
            "expected a table with `year` and `value`",
        ),
        (
            "expected struct RawRegionUnemployment",
            "expected a table with `initial` and `natural_rate`",
        ),
        (
            "expected struct RawEffect",
            "expected a table with `indicator` and `size`",
        ),
        ("expected struct RawTarget", "expected a target table"),
        ("expected struct ", "expected "),
        ("expected u64", "expected a whole number ≥ 0"),
        ("expected u32", "expected a whole number ≥ 0"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a map", "expected a table"),
        ("expected a sequence", "expected an array [...]"),
    ];
    let mut m = message.trim().replace('\n', "; ");
    for (from, to) in TERMS {
        m = m.replace(from, to);
    }
    let m = aliases_in_brackets(&found_after_expected(&m));
    // Any other type name of the loader's (`RawHorizon`) is a table to the user.
    let mut out = String::with_capacity(m.len());
    for (i, word) in m.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let bare = word.trim_end_matches([',', ';', '.']);
        if bare.len() > 3 && bare.starts_with("Raw") && bare[3..].starts_with(char::is_uppercase) {
            out.push_str(&word.replacen(bare, "a table", 1));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// serde lists a keyword's aliases as values of their own (`` `expected`, `预期性`,
/// `binding` ``); the plans' words a keyword also accepts (README, "The plans' own words")
/// read better beside it: `` `expected` (预期性), `binding` ``.
fn aliases_in_brackets(m: &str) -> String {
    let mut out = String::with_capacity(m.len());
    let mut rest = m;
    while let Some(i) = rest.find("`, `") {
        let after = &rest[i + 4..];
        let alias = after
            .chars()
            .next()
            .filter(|c| !c.is_ascii())
            .and_then(|_| after.find('`'));
        match alias {
            Some(end) => {
                out.push_str(&rest[..i]);
                out.push_str("` (");
                out.push_str(&after[..end]);
                out.push(')');
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[..i + 4]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// serde's `invalid type: string "x", expected a number` as `expected a number, found the
/// text "x"`: what is wanted first, what was found in the format's words.
fn found_after_expected(m: &str) -> String {
    let Some(rest) = m
        .strip_prefix("invalid type: ")
        .or_else(|| m.strip_prefix("invalid value: "))
    else {
        return m.to_string();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return m.to_string();
    };
    let unquote = |s: &str| s.trim_matches('`').to_string();
    let found = if let Some(v) = found.strip_prefix("string ") {
        format!("the text {v}")
    } else if let Some(v) = found.strip_prefix("integer ") {
        format!("the whole number {}", unquote(v))
    } else if let Some(v) = found.strip_prefix("floating point ") {
        format!("the number {}", unquote(v))
    } else if let Some(v) = found.strip_prefix("boolean ") {
        unquote(v)
    } else {
        match found {
            "map" => "a table".to_string(),
            "sequence" => "an array".to_string(),
            other => other.to_string(),
        }
    };
    let expected = expected.strip_prefix("expected ").unwrap_or(expected);
    format!("expected {expected}, found {found}")
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn file_stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
}

/// The SHA-256 of bytes, in hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let t = "a = 1\nname = \"河南\" x\n";
        let off = t.find('x').unwrap();
        assert_eq!(line_column(t, off), (2, 13));
        assert_eq!(line_column(t, 0), (1, 1));
    }

    #[test]
    fn merge_overrides_leaves_and_replaces_value_tables_whole() {
        let mut base: toml::Table = r#"
            [growth.path.values]
            2021 = 6.0
            2022 = 6.0
            [growth.ar]
            dist = "uniform"
            low = 0.2
            high = 0.6
            assumption = "x"
        "#
        .parse()
        .unwrap();
        let child: toml::Table = r#"
            [growth.path.values]
            2022 = 3.0
            [growth.ar]
            value = 0.5
            assumption = "y"
        "#
        .parse()
        .unwrap();
        merge(&mut base, child);
        let g = base["growth"].as_table().unwrap();
        let vals = g["path"]["values"].as_table().unwrap();
        assert_eq!(vals["2021"].as_float(), Some(6.0));
        assert_eq!(vals["2022"].as_float(), Some(3.0));
        let ar = g["ar"].as_table().unwrap();
        assert!(
            !ar.contains_key("low"),
            "parameter tables are replaced whole"
        );
        assert_eq!(ar["value"].as_float(), Some(0.5));
    }

    #[test]
    fn every_entry_the_parser_rejects_is_found_in_one_pass() {
        let text = "[horizon]\nbase_yaer = 2020\nend_year = \"2025\"\n[monte_carlo]\npaths = 10\n\
                    [growth.ar]\nvalue = 0.5\nassumption = \"a\"\nsd = -1\n\
                    [[regions.a.targets]]\nnature = \"maybe\"\nvalue = 1\n";
        let Ok(r) = parse_recovering(Path::new("s.toml"), text) else {
            panic!("recoverable problems only");
        };
        let found: Vec<String> = r.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "s.toml:2:1: unknown key `base_yaer`; expected one of `base_year`, `end_year`, `in_sample`",
                "s.toml:3:12: expected a whole number, found the text \"2025\"",
                "s.toml:9:6: expected a number ≥ 0, got -1",
                "s.toml:11:10: unknown value `maybe`; expected one of `expected` (预期性), `binding` (约束性), `unspecified`",
            ]
        );
        assert_eq!(
            r.removed,
            [
                "horizon.base_yaer",
                "horizon.end_year",
                "growth.ar.sd",
                "regions.a.targets[0].nature"
            ]
        );
        // What is left parses, without the rejected entries.
        assert_eq!(r.typed.monte_carlo.and_then(|m| m.paths), Some(10));
        assert_eq!(
            r.table["regions"]["a"]["targets"][0]["value"].as_integer(),
            Some(1)
        );
        assert!(
            r.table["horizon"]
                .as_table()
                .is_some_and(toml::Table::is_empty)
        );
    }

    #[test]
    fn a_syntax_error_stops_the_parse_alone() {
        let Err(found) = parse_recovering(Path::new("s.toml"), "a = 1\nb = = 2\nc = 3 3\n") else {
            panic!("a syntax error");
        };
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .to_string()
                .starts_with("s.toml:2:5: expected a value"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn hints_name_the_nearest_known_name() {
        let h = |m: &str| did_you_mean(m);
        assert_eq!(
            h("unknown key `valu`; expected one of `dist`, `value`, `mean`").as_deref(),
            Some("did you mean `value`?")
        );
        assert_eq!(
            h("unknown indicator `urban_jobs`; valid indicators: urban_new_jobs, rural_transfer_new")
                .as_deref(),
            Some("did you mean `urban_new_jobs`?")
        );
        // Nothing close: no guess.
        assert_eq!(
            h("unknown key `colour`; expected one of `dist`, `value`"),
            None
        );
        assert_eq!(h("must lie in [0, 1]"), None);
        assert_eq!(
            (edit_distance("kitten", "sitting"), edit_distance("", "ab")),
            (3, 2)
        );
    }

    #[test]
    fn serde_terms_are_put_in_the_formats_words() {
        let t = |m: &str| in_user_terms(m);
        assert_eq!(
            t("invalid type: string \"x\", expected f64"),
            "expected a number, found the text \"x\""
        );
        assert_eq!(
            t("invalid type: map, expected a sequence"),
            "expected an array [...], found a table"
        );
        assert_eq!(
            t("invalid type: integer `3`, expected struct RawHorizon"),
            "expected a table, found the whole number 3"
        );
        assert_eq!(
            t("unknown variant `预期`, expected `expected` or `binding`"),
            "unknown value `预期`; expected `expected` or `binding`"
        );
        // The plans' words serde lists as values of their own go in brackets after the
        // keyword they stand for, wherever they are in the list.
        assert_eq!(
            t(
                "unknown variant `以上`, expected one of `cumulative_floor`, `level_cap`, \
               `level_floor`, `level_about`, `左右`"
            ),
            "unknown value `以上`; expected one of `cumulative_floor`, `level_cap`, \
             `level_floor`, `level_about` (左右)"
        );
        assert_eq!(
            t("unknown variant `x`, expected one of `province`, `省`, `city`, `市`, `area`"),
            "unknown value `x`; expected one of `province` (省), `city` (市), `area`"
        );
        assert_eq!(aliases_in_brackets("`a`, `b`"), "`a`, `b`");
    }

    #[test]
    fn problems_are_placed_where_the_merged_value_comes_from() {
        let mut texts = Texts::default();
        let child = "extends = \"p.toml\"\n[regions.a.baselines.urban_new_jobs]\nkind = \"annual\"\n[regions.a]\nname_en = \"A\"\n";
        let parent = "[regions.a]\nname_zh = \"甲\"\nlevel = \"x\"\n[regions.a.baselines.urban_new_jobs]\nvalue = 1\nkind = \"annual\"\n";
        texts.add(Path::new("c.toml"), child);
        texts.add(Path::new("p.toml"), parent);
        let at = |key: &str| {
            texts
                .at_key(key)
                .map(|(_, p, hint)| (p.file.display().to_string(), p.line, p.column, hint))
        };
        // Merged key by key: the parent's own key.
        assert_eq!(at("regions.a.level"), Some(("p.toml".into(), 3, 1, None)));
        // A table with `value` is replaced whole by the child's: `value` is missing there.
        let (file, line, _, hint) = at("regions.a.baselines.urban_new_jobs.value").unwrap();
        assert_eq!((file.as_str(), line), ("c.toml", 2));
        assert!(hint.unwrap().starts_with("p.toml gives `value` here"));
        // Not a key path: no place.
        assert!(at("(merged extends chain)").is_none());
        // Sorted by file (the scenario first) and position; one unplaced problem alone is
        // returned as it is.
        let e = |key: &str| ScenarioError::Invalid {
            path: "c.toml".into(),
            key: key.into(),
            message: "m".into(),
        };
        let ScenarioError::Problems(ps) =
            texts.place(vec![e("regions.a.level"), e("regions.a.name_en")])
        else {
            panic!("placed problems");
        };
        let order: Vec<_> = ps
            .iter()
            .map(|p| p.place.as_ref().map(|pl| (pl.file.clone(), pl.line)))
            .collect();
        assert_eq!(
            order,
            [Some(("c.toml".into(), 5)), Some(("p.toml".into(), 3))]
        );
        assert_eq!(texts.place(vec![e("(x)")]), e("(x)"));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
