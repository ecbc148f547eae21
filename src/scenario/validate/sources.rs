//! `[sources]`: the documents the scenario quotes. Every entry has a title (and may give
//! the issuer, year, date and document number); every `source` the scenario writes must
//! name declared ids, so that reports show each quote under its document's title and a
//! mistyped id is caught.

use super::ctx::{Ctx, R};
use crate::scenario::Source;
use crate::scenario::raw::RawScenario;
use crate::scenario::source_ids;

/// The `[sources]` table, checked, in file order (empty when the scenario has none). Each
/// entry with a problem is recorded in `ctx` and left out.
pub(super) fn sources(ctx: &Ctx, raw: &RawScenario) -> R<Vec<Source>> {
    let Some(table) = &raw.sources else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(table.len());
    for (id, s) in table {
        if let Some(source) = ctx.keep(source(ctx, id, s)) {
            out.push(source);
        }
    }
    Ok(out)
}

/// One `[sources.<id>]` entry.
fn source(ctx: &Ctx, id: &str, s: &crate::scenario::raw::RawSource) -> R<Source> {
    let key = format!("sources.{id}");
    if id.trim().is_empty() {
        return Err(ctx.err("sources", "has an empty id"));
    }
    let text = |v: &Option<String>, what: &str| -> R<Option<String>> {
        match v.as_deref().map(str::trim) {
            Some("") => Err(ctx.err(format!("{key}.{what}"), "is empty")),
            other => Ok(other.map(str::to_string)),
        }
    };
    let title = text(&s.title, "title")?;
    if title.is_none() {
        return Err(ctx.err(
            &key,
            "has no `title`: give the document's title as it is printed, e.g. 河南省“十四五”人才发展人力资源开发和就业促进规划",
        ));
    }
    let year = match s.year {
        None => None,
        Some(y) if (i64::from(super::MIN_YEAR)..=i64::from(super::MAX_YEAR)).contains(&y) => {
            Some(y as i32)
        }
        Some(y) => {
            return Err(ctx.err(
                format!("{key}.year"),
                format!(
                    "{y} is not a year from {} to {}",
                    super::MIN_YEAR,
                    super::MAX_YEAR
                ),
            ));
        }
    };
    let date = text(&s.date, "date")?;
    if let Some(d) = &date {
        check_date(ctx, &format!("{key}.date"), d, year)?;
    }
    Ok(Source {
        id: id.to_string(),
        title,
        issuer: text(&s.issuer, "issuer")?,
        year,
        date,
        number: text(&s.number, "number")?,
        note: text(&s.note, "note")?,
    })
}

/// A date written `YYYY-MM-DD` (the day the document was signed or issued), in the
/// document's `year` when both are given.
fn check_date(ctx: &Ctx, key: &str, d: &str, year: Option<i32>) -> R<()> {
    let bad = || {
        ctx.err(
            key,
            format!("`{d}` is not a date written YYYY-MM-DD, e.g. \"2021-12-31\""),
        )
    };
    let parts: Vec<&str> = d.split('-').collect();
    let [y, m, day] = parts.as_slice() else {
        return Err(bad());
    };
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(day)) = (num(y, 4), num(m, 2), num(day, 2)) else {
        return Err(bad());
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days).contains(&day) {
        return Err(bad());
    }
    if let Some(year) = year
        && i64::from(year) != i64::from(y)
    {
        return Err(ctx.err(key, format!("`{d}` is not in the source's `year` {year}")));
    }
    Ok(())
}

/// Every `source` the merged scenario writes (a parameter's, a baseline's, a target's, …)
/// must name ids declared in `[sources]`: each one that does not is recorded at its key.
pub(super) fn check_cited(ctx: &Ctx, merged: &toml::Table, raw: &RawScenario) {
    let declared: Vec<&str> = raw
        .sources
        .iter()
        .flat_map(|t| t.keys())
        .map(String::as_str)
        .collect();
    let mut cited: Vec<(String, String)> = Vec::new();
    collect_table(merged, "", &mut cited);
    for (key, value) in cited {
        for id in source_ids(&value) {
            if declared.contains(&id) {
                continue;
            }
            let header = table_key(id);
            let message = if declared.is_empty() {
                format!(
                    "unknown source `{id}`: the scenario has no [sources] table\nhelp: add [sources.{header}] with the document's `title` (and `issuer`, `year`, `date`, `number`), so that charts and reports can name it"
                )
            } else {
                let near = declared
                    .iter()
                    .map(|d| (*d, crate::scenario::load::edit_distance(id, d)))
                    .min_by_key(|(_, d)| *d)
                    .filter(|(d, dist)| {
                        *dist <= 2.max(id.chars().count().max(d.chars().count()) * 2 / 5)
                    });
                let help = match near {
                    Some((d, _)) => format!(
                        "did you mean `{d}`? Or add [sources.{header}] with the document's `title`"
                    ),
                    None => format!(
                        "cite a declared id, or add [sources.{header}] with the document's `title`"
                    ),
                };
                format!(
                    "unknown source `{id}`: it is not in [sources]; declared: {}\nhelp: {help}",
                    declared.join(", ")
                )
            };
            ctx.keep::<()>(Err(ctx.err(&key, message)));
        }
    }
}

/// `id` as a TOML key: bare when it can be, else in quotes.
fn table_key(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        id.to_string()
    } else {
        format!("{id:?}")
    }
}

/// The key path and value of every `source = "..."` in table `t` (at key path `path`), in
/// file order; the top-level `[sources]` table itself is skipped.
fn collect_table(t: &toml::Table, path: &str, out: &mut Vec<(String, String)>) {
    for (k, v) in t {
        if path.is_empty() && k == "sources" {
            continue;
        }
        let p = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match (k.as_str(), v) {
            ("source", toml::Value::String(s)) => out.push((p, s.clone())),
            _ => collect_value(v, &p, out),
        }
    }
}

fn collect_value(v: &toml::Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        toml::Value::Table(t) => collect_table(t, path, out),
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                collect_value(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{ctx, raw};
    use super::*;

    #[test]
    fn dates_are_checked_as_dates() {
        let c = ctx();
        let check = |d: &str, y: Option<i32>| check_date(&c, "k", d, y).map_err(|e| e.to_string());
        assert_eq!(check("2021-12-31", Some(2021)), Ok(()));
        assert_eq!(check("2024-02-29", None), Ok(()));
        for bad in [
            "2023-02-29",
            "2021-13-01",
            "2021-1-5",
            "21-12-31",
            "2021/12/31",
            "今天",
        ] {
            assert_eq!(
                check(bad, None),
                Err(format!(
                    "s.toml: k: `{bad}` is not a date written YYYY-MM-DD, e.g. \"2021-12-31\""
                ))
            );
        }
        assert_eq!(
            check("2022-01-21", Some(2021)),
            Err("s.toml: k: `2022-01-21` is not in the source's `year` 2021".into())
        );
    }

    #[test]
    fn every_written_source_must_be_declared() {
        let text = "[sources.plan]\ntitle = \"某市规划\"\n[growth.ar]\nvalue = 0.5\nsource = \"plan, other\"\nquote = \"q\"\n[[regions.a.targets]]\nsource = \"plam\"\n";
        let r = raw(text);
        let merged: toml::Table = text.parse().unwrap();
        let c = ctx();
        check_cited(&c, &merged, &r);
        let found: Vec<String> = c.take_errors().iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "s.toml: growth.ar.source: unknown source `other`: it is not in [sources]; declared: plan\nhelp: cite a declared id, or add [sources.other] with the document's `title`",
                "s.toml: regions.a.targets[0].source: unknown source `plam`: it is not in [sources]; declared: plan\nhelp: did you mean `plan`? Or add [sources.plam] with the document's `title`",
            ]
        );
        // Without a table, every id is unknown, with what to add.
        let text = "[growth.ar]\nsource = \"plan\"\n";
        check_cited(&c, &text.parse().unwrap(), &raw(text));
        let e = c.take_errors()[0].to_string();
        assert!(e.starts_with("s.toml: growth.ar.source: unknown source `plan`: the scenario has no [sources] table\nhelp: add [sources.plan]"), "{e}");
        // An id that is not a bare key is quoted in the table header to add.
        let text = "[growth.ar]\nsource = \"十四五 规划\"\n";
        check_cited(&c, &text.parse().unwrap(), &raw(text));
        let e = c.take_errors()[0].to_string();
        assert!(e.contains("help: add [sources.\"十四五 规划\"]"), "{e}");
    }
}
