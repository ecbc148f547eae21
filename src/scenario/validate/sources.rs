//! `[sources]`: the documents the scenario quotes. Optional; when present, every entry has
//! a title, and every `source` a quote or rationale names must be one of its ids, so that
//! reports can show each quote under its document's title.

use super::ctx::{Ctx, R};
use crate::scenario::Source;
use crate::scenario::raw::RawScenario;

/// The `[sources]` table, checked, in file order (empty when the scenario has none).
pub(super) fn sources(ctx: &Ctx, raw: &RawScenario) -> R<Vec<Source>> {
    let Some(table) = &raw.sources else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(table.len());
    for (id, s) in table {
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
            return Err(ctx.err(&key, "has no `title`"));
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
        out.push(Source {
            id: id.clone(),
            title,
            issuer: text(&s.issuer, "issuer")?,
            year,
            note: text(&s.note, "note")?,
        });
    }
    Ok(out)
}

/// With a `[sources]` table, every source id the scenario cites must be in it.
pub(super) fn check_cited(ctx: &Ctx, scn: &crate::scenario::Scenario) -> R<()> {
    if scn.sources.is_empty() {
        return Ok(());
    }
    for (id, key) in scn.cited_sources() {
        if scn.source(&id).is_none() {
            let known: Vec<&str> = scn.sources.iter().map(|s| s.id.as_str()).collect();
            return Err(ctx.err(
                format!("{key}.source"),
                format!(
                    "`{id}` is not in [sources] (known: {}); add [sources.\"{id}\"] with its title",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}
