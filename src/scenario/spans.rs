//! Where each key of a scenario file is written: an index from key paths
//! (`regions.kaifeng.targets[0].value`) to byte spans, built from the TOML parser's spans,
//! so that errors found after parsing (and after the `extends` merge) point at a line and
//! column like syntax errors do.
//!
//! The same index lets the loader step over a bad entry: [`Spans::entry_at`] finds the
//! innermost entry written at an offset, and [`blank`] replaces its text by spaces (keeping
//! every other offset), so the file can be parsed again to find the next problem.

use std::ops::Range;

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A key path as validation writes it, split into steps: `a.b[2].c` → `a`, `b`, `2`, `c`.
/// A key path that is not one (e.g. `(merged extends chain)`) gives no steps.
pub fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && rest.is_empty() {
            return Vec::new();
        }
        if !name.is_empty() {
            if name.contains(|c: char| c.is_whitespace() || c == '(' || c == ')') {
                return Vec::new();
            }
            out.push(Seg::Key(name.to_string()));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else {
                return Vec::new();
            };
            let Ok(i) = inner[..end].parse() else {
                return Vec::new();
            };
            out.push(Seg::Index(i));
            rest = &inner[end + 1..];
        }
        if !rest.is_empty() {
            return Vec::new();
        }
    }
    out
}

/// A key path written back: `a.b[2].c`.
pub fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// One entry of a file: a `key = value` pair, a `[table]` header or an array element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: Vec<Seg>,
    /// What to underline: the key (or the header, or the element).
    pub key: Range<usize>,
    /// The whole entry: from the key to the end of its value (for a `[table]`, its body
    /// too).
    pub whole: Range<usize>,
    /// Whether the entry is a table (`[header]`, dotted or inline), whose keys `extends`
    /// merges one by one.
    pub table: bool,
}

/// Every entry of one file, in the order the parser met them.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    pub entries: Vec<Entry>,
}

impl Spans {
    /// The index of a file's text; empty if the text is not valid TOML.
    pub fn of(text: &str) -> Spans {
        let mut spans = Spans::default();
        if let Ok(doc) = toml_edit::ImDocument::parse(text) {
            spans.table(&mut Vec::new(), doc.as_table());
        }
        // A table's span runs over its body: underline only its header line.
        for e in &mut spans.entries {
            if text[e.key.clone()].starts_with('[') {
                let line_end = text[e.key.clone()]
                    .find('\n')
                    .map_or(e.key.end, |i| e.key.start + i);
                e.key.end = e.key.start + text[e.key.start..line_end].trim_end().len();
            }
        }
        spans
    }

    /// The entry at `path`, or else at its longest prefix that the file writes, with how
    /// many steps of `path` were found.
    pub fn find(&self, path: &[Seg]) -> Option<(&Entry, usize)> {
        (1..=path.len()).rev().find_map(|n| {
            self.entries
                .iter()
                .find(|e| e.path == path[..n])
                .map(|e| (e, n))
        })
    }

    /// Whether the file writes `path` or anything under it.
    pub fn writes(&self, path: &[Seg]) -> bool {
        self.entries.iter().any(|e| e.path.starts_with(path))
    }

    /// The entry written exactly at `path`.
    pub fn exact(&self, path: &[Seg]) -> Option<&Entry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// Whether the value this file writes at `path` replaces a parent's whole in the
    /// `extends` merge: a value or an array, or a table that defines a value (a `value`
    /// or `dist` key), as `load::merge` does.
    pub fn replaces_whole(&self, path: &[Seg]) -> bool {
        if self.exact(path).is_some_and(|e| !e.table) {
            return true;
        }
        self.entries.iter().any(|e| {
            e.path.len() == path.len() + 1
                && e.path.starts_with(path)
                && match &e.path[path.len()] {
                    Seg::Index(_) => true,
                    Seg::Key(k) => k == "value" || k == "dist",
                }
        })
    }

    /// The innermost entry whose text contains the byte `offset`.
    pub fn entry_at(&self, offset: usize) -> Option<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.whole.contains(&offset) || e.key.contains(&offset))
            .max_by_key(|e| e.path.len())
    }

    /// Every entry at or below `path` (a table's header and everything under it).
    pub fn under<'a>(&'a self, path: &'a [Seg]) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.path.starts_with(path))
    }

    fn table(&mut self, path: &mut Vec<Seg>, t: &toml_edit::Table) {
        for (k, item) in t.iter() {
            path.push(Seg::Key(k.to_string()));
            let key = t.key(k).and_then(toml_edit::Key::span);
            self.item(path, key, item);
            path.pop();
        }
    }

    fn item(&mut self, path: &mut Vec<Seg>, key: Option<Range<usize>>, item: &toml_edit::Item) {
        use toml_edit::Item;
        match item {
            Item::None => {}
            Item::Value(v) => self.value(path, key, v),
            Item::Table(t) => {
                if let Some(header) = t.span() {
                    self.push(path, header.clone(), header, true);
                } else if let Some(k) = key.clone().filter(|_| t.is_dotted()) {
                    self.push(path, k.clone(), k, true);
                }
                self.table(path, t);
            }
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    if let Some(header) = t.span() {
                        self.push(path, header.clone(), header, true);
                    }
                    self.table(path, t);
                    path.pop();
                }
            }
        }
    }

    fn value(&mut self, path: &mut Vec<Seg>, key: Option<Range<usize>>, v: &toml_edit::Value) {
        use toml_edit::Value;
        let span = v.span();
        let table = matches!(v, Value::InlineTable(_));
        match (&key, &span) {
            (Some(k), Some(s)) => self.push(path, k.clone(), k.start..s.end, table),
            (None, Some(s)) => self.push(path, s.clone(), s.clone(), table),
            (Some(k), None) => self.push(path, k.clone(), k.clone(), table),
            (None, None) => {}
        }
        match v {
            Value::InlineTable(t) => {
                for (k, item) in t.iter() {
                    path.push(Seg::Key(k.to_string()));
                    let key = t.key(k).and_then(toml_edit::Key::span);
                    self.value(path, key, item);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, item) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    self.value(path, None, item);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn push(&mut self, path: &[Seg], key: Range<usize>, whole: Range<usize>, table: bool) {
        self.entries.push(Entry {
            path: path.to_vec(),
            key,
            whole,
            table,
        });
    }
}

/// Replaces the bytes of `range` in `text` by spaces (keeping line breaks), and a comma
/// that separates the entry from the next one in an inline table or array, so that the
/// text still parses without the entry.
pub fn blank(text: &mut String, range: Range<usize>) {
    let bytes = text.as_bytes();
    let mut end = range.end.min(bytes.len());
    let mut after = end;
    while after < bytes.len() && matches!(bytes[after], b' ' | b'\t') {
        after += 1;
    }
    let mut start = range.start.min(end);
    if after < bytes.len() && bytes[after] == b',' {
        end = after + 1;
    } else {
        let mut before = start;
        while before > 0 && matches!(bytes[before - 1], b' ' | b'\t') {
            before -= 1;
        }
        if before > 0 && bytes[before - 1] == b',' {
            start = before - 1;
        }
    }
    let replaced: String = text[start..end]
        .chars()
        .flat_map(|c| {
            let n = if c == '\n' || c == '\r' {
                0
            } else {
                c.len_utf8()
            };
            std::iter::repeat_n(' ', n).chain((c == '\n' || c == '\r').then_some(c))
        })
        .collect();
    text.replace_range(start..end, &replaced);
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"name = "x"
[regions.luoyang]
name_zh = "洛阳市"
targets = [{ kind = "level_cap", value = 5.5 }]

[regions.luoyang.params.urban_new_jobs]
trend = { value = -0.01, assumption = "a" }

[[regions.kaifeng.targets]]
indicator = "urban_new_jobs"
value = 50
"#;

    fn at(text: &str, r: Range<usize>) -> &str {
        &text[r]
    }

    #[test]
    fn key_paths_split_into_steps_and_back() {
        let p = parse_path("regions.kaifeng.targets[0].value");
        assert_eq!(p.len(), 5);
        assert_eq!(p[3], Seg::Index(0));
        assert_eq!(path_string(&p), "regions.kaifeng.targets[0].value");
        assert!(parse_path("(merged extends chain)").is_empty());
        assert_eq!(parse_path("correlation.matrix[1][2]").len(), 4);
    }

    #[test]
    fn every_kind_of_entry_is_found_with_its_key() {
        let s = Spans::of(TEXT);
        let find = |p: &str| {
            s.find(&parse_path(p))
                .map(|(e, n)| (at(TEXT, e.key.clone()), n))
        };
        assert_eq!(find("name"), Some(("name", 1)));
        assert_eq!(find("regions.luoyang"), Some(("[regions.luoyang]", 2)));
        assert_eq!(find("regions.luoyang.name_zh"), Some(("name_zh", 3)));
        assert_eq!(find("regions.luoyang.targets[0].value"), Some(("value", 5)));
        assert_eq!(
            find("regions.luoyang.params.urban_new_jobs.trend.value"),
            Some(("value", 6))
        );
        assert_eq!(find("regions.kaifeng.targets[0].value"), Some(("value", 5)));
        assert_eq!(
            find("regions.kaifeng.targets[0]"),
            Some(("[[regions.kaifeng.targets]]", 4))
        );
        // A missing key is placed at the table that should hold it.
        assert_eq!(
            find("regions.luoyang.baselines.urban_new_jobs"),
            Some(("[regions.luoyang]", 2))
        );
    }

    #[test]
    fn blanking_an_entry_keeps_offsets_and_still_parses() {
        let s = Spans::of(TEXT);
        let off = TEXT.find("kind").unwrap();
        let e = s.entry_at(off).unwrap().clone();
        assert_eq!(path_string(&e.path), "regions.luoyang.targets[0].kind");
        let mut text = TEXT.to_string();
        blank(&mut text, e.whole);
        assert_eq!(text.len(), TEXT.len());
        assert!(text.contains("targets = [{   "));
        let t: toml::Table = text.parse().expect("still TOML");
        let target = &t["regions"]["luoyang"]["targets"][0];
        assert!(target.get("kind").is_none() && target.get("value").is_some());
        // The last entry of an inline table takes the comma before it.
        let mut text = TEXT.to_string();
        let e = s
            .find(&parse_path("regions.luoyang.targets[0].value"))
            .unwrap()
            .0;
        blank(&mut text, e.whole.clone());
        let t: toml::Table = text.parse().expect("still TOML");
        assert!(t["regions"]["luoyang"]["targets"][0].get("value").is_none());
        // Multi-byte text is blanked byte for byte.
        let mut text = TEXT.to_string();
        let e = s.find(&parse_path("regions.luoyang.name_zh")).unwrap().0;
        blank(&mut text, e.whole.clone());
        assert_eq!(text.len(), TEXT.len());
        assert!(text.parse::<toml::Table>().is_ok());
    }
}
