//! `results.xlsx`: the tables of an output folder in one Excel workbook, for the users who
//! double-click: Excel reads a UTF-8 CSV without a byte-order mark in the system code page
//! (GBK on Chinese Windows) and garbles its Chinese text, while the CSVs stay as pandas, R
//! and Python's csv module want them (UTF-8, no BOM).
//!
//! The workbook is made from the CSVs already written into the folder, so it holds the
//! same values: a column whose every non-empty cell is a number is written as numbers
//! (with the decimals the CSV has), every other column as text, empty cells stay empty. The
//! first sheet, `about`, says what produced the folder and what each sheet holds. Each
//! table's header row is bold and frozen, with a filter, and columns are as wide as their
//! widest cell (capped). A table too large for a sheet (more than 1,048,575 data rows or
//! 16,384 columns) is left out and `about` says so; `paths.csv` is never in the workbook
//! (`about` of a run says so).
//! The file is byte-identical for identical tables: the document's creation date is fixed.
//!
//! Each CSV is read twice, streamed: once for its size and each column's kind and width,
//! once to write its rows into a constant-memory sheet (one row held at a time, text
//! written inline), so the workbook of a large scenario (2,850 regions: 300,000 quantile
//! rows) costs little memory.

use crate::error::Result;
use crate::outdir::{IntoIo, io_err};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;
use unicode_width::UnicodeWidthStr;

/// The data rows of the largest table a sheet holds (Excel's 1,048,576 rows, less the
/// header).
pub const MAX_ROWS: usize = 1_048_575;
/// The most columns of a sheet in Excel.
pub const MAX_COLUMNS: usize = 16_384;
/// The most characters of a cell in Excel; longer text is cut there.
const MAX_CELL_CHARS: usize = 32_767;
/// The widest column, in characters.
const MAX_WIDTH: usize = 60;

/// One table of the workbook: a sheet `name` (at most 31 characters) made from the CSV
/// file `csv` of the folder, described in `about` by `meaning`.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub csv: String,
    pub meaning: String,
}

impl Table {
    pub fn new(name: &str, csv: &str, meaning: &str) -> Table {
        Table {
            name: name.into(),
            csv: csv.into(),
            meaning: meaning.into(),
        }
    }
}

/// Writes `results.xlsx` into `dir`: the `about` sheet (the `facts` as key-value rows,
/// then one row per table, then the `csv_only` files with why they are not in it) and one
/// sheet per table whose CSV exists in `dir`.
pub fn write_workbook(
    dir: &Path,
    facts: &[(String, String)],
    tables: &[Table],
    csv_only: &[(&str, &str)],
) -> Result<()> {
    let path = dir.join("results.xlsx");
    let err = |e: XlsxError| io_err(&path, XlsxIo(e));
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(err)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("empsim results")
            .set_creation_datetime(&created),
    );
    // First pass over each CSV: its size, and each column's kind and width.
    let mut sheets = Vec::new();
    let mut rows_about: Vec<[String; 3]> = Vec::new();
    for t in tables {
        let file = dir.join(&t.csv);
        if !file.exists() {
            continue;
        }
        let scan = scan_csv(&file)?;
        let note = if scan.rows > MAX_ROWS + 1 || scan.columns.len() > MAX_COLUMNS {
            format!(
                "{} — not in this workbook: {} rows of {} columns is more than a sheet holds; open {} instead",
                t.meaning,
                scan.rows.saturating_sub(1),
                scan.columns.len(),
                t.csv
            )
        } else {
            sheets.push((t, file, scan));
            t.meaning.clone()
        };
        rows_about.push([t.name.clone(), t.csv.clone(), note]);
    }
    rows_about.extend(
        csv_only
            .iter()
            .map(|(file, why)| [String::new(), file.to_string(), why.to_string()]),
    );
    about_sheet(wb.add_worksheet(), facts, &rows_about).map_err(err)?;
    // Second pass: the rows, streamed into sheets that keep one row in memory.
    for (t, file, scan) in sheets {
        let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
        ws.set_name(&t.name).map_err(err)?;
        table_sheet(ws, &file, &scan)?;
    }
    let bytes = wb.save_to_buffer().map_err(err)?;
    std::fs::write(&path, bytes).map_err(|e| io_err(&path, e))
}

/// A workbook error as an I/O error, for [`io_err`].
struct XlsxIo(XlsxError);

impl IntoIo for XlsxIo {
    fn into_io(self) -> std::io::Error {
        match self.0 {
            XlsxError::IoError(e) => e,
            e => std::io::Error::other(e.to_string()),
        }
    }
}

fn csv_reader(path: &Path) -> Result<csv::Reader<std::io::BufReader<std::fs::File>>> {
    let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file)))
}

/// What the first pass learns of a CSV file: its rows (header included) and columns.
struct Scan {
    rows: usize,
    columns: Vec<Column>,
}

/// A column of a table: whether every non-empty body cell is a plain number, with how
/// many decimals at most, and its widest cell (header included).
#[derive(Default, Clone)]
struct Column {
    text: bool,
    any: bool,
    decimals: usize,
    width: usize,
}

impl Column {
    fn add(&mut self, cell: &str, header: bool) {
        self.width = self.width.max(cell.width());
        if header || cell.is_empty() || self.text {
            return;
        }
        // Identifiers such as "007" or "1e3" stay text: only plain decimal numbers count.
        let plain = cell
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && !(cell.len() > 1 && cell.starts_with('0') && !cell.starts_with("0."));
        match cell.parse::<f64>() {
            Ok(v) if plain && v.is_finite() => {
                self.any = true;
                let d = cell.split_once('.').map_or(0, |(_, f)| f.len());
                self.decimals = self.decimals.max(d);
            }
            _ => self.text = true,
        }
    }

    /// The number format of a numeric column (`0`, `0.0000`, …), `None` for text (or an
    /// empty column).
    fn number_format(&self) -> Option<String> {
        (self.any && !self.text).then(|| match self.decimals.min(10) {
            0 => "0".to_string(),
            d => format!("0.{}", "0".repeat(d)),
        })
    }
}

fn scan_csv(path: &Path) -> Result<Scan> {
    let mut r = csv_reader(path)?;
    let mut scan = Scan {
        rows: 0,
        columns: Vec::new(),
    };
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec).map_err(|e| io_err(path, e))? {
        if rec.len() > scan.columns.len() {
            scan.columns.resize(rec.len(), Column::default());
        }
        for (c, cell) in rec.iter().enumerate() {
            scan.columns[c].add(cell, scan.rows == 0);
        }
        scan.rows += 1;
    }
    Ok(scan)
}

/// Writes a table's sheet: widths, the frozen bold header with a filter, then the rows in
/// order (as a constant-memory sheet needs).
fn table_sheet(ws: &mut Worksheet, path: &Path, scan: &Scan) -> Result<()> {
    let err = |e: XlsxError| io_err(path, XlsxIo(e));
    let n_cols = scan.columns.len();
    if scan.rows == 0 || n_cols == 0 {
        return Ok(());
    }
    for (c, col) in scan.columns.iter().enumerate() {
        let width = (col.width + 2).clamp(6, MAX_WIDTH) as f64;
        ws.set_column_width(c as u16, width).map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    if scan.rows > 1 {
        ws.autofilter(0, 0, (scan.rows - 1) as u32, n_cols as u16 - 1)
            .map_err(err)?;
    }
    let bold = Format::new().set_bold();
    let formats: Vec<Option<Format>> = scan
        .columns
        .iter()
        .map(|c| c.number_format().map(|f| Format::new().set_num_format(f)))
        .collect();
    let mut r = csv_reader(path)?;
    let mut rec = csv::StringRecord::new();
    let mut row = 0u32;
    while r.read_record(&mut rec).map_err(|e| io_err(path, e))? {
        for (c, cell) in rec.iter().enumerate() {
            let col = c as u16;
            if row == 0 {
                ws.write_string_with_format(0, col, clip(cell), &bold)
                    .map_err(err)?;
                continue;
            }
            if cell.is_empty() {
                continue;
            }
            match (&formats[c], cell.parse::<f64>()) {
                (Some(f), Ok(v)) => ws.write_number_with_format(row, col, v, f),
                _ => ws.write_string(row, col, clip(cell)),
            }
            .map_err(err)?;
        }
        row += 1;
    }
    Ok(())
}

fn about_sheet(
    ws: &mut Worksheet,
    facts: &[(String, String)],
    tables: &[[String; 3]],
) -> std::result::Result<(), XlsxError> {
    ws.set_name("about")?;
    let bold = Format::new().set_bold();
    let mut rows: Vec<Vec<String>> = facts
        .iter()
        .map(|(k, v)| vec![k.clone(), v.clone()])
        .collect();
    rows.push(Vec::new());
    let heading = rows.len();
    rows.push(vec!["sheet".into(), "file".into(), "what it holds".into()]);
    rows.extend(tables.iter().map(|t| t.to_vec()));
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r as usize == heading || c == 0 {
                ws.write_string_with_format(r, c, clip(cell), &bold)?;
            } else {
                ws.write_string(r, c, clip(cell))?;
            }
        }
    }
    set_widths(ws, &rows)
}

fn clip(text: &str) -> &str {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Column widths from the widest cell (Chinese characters count two), between 6 and
/// [`MAX_WIDTH`].
fn set_widths(ws: &mut Worksheet, rows: &[Vec<String>]) -> std::result::Result<(), XlsxError> {
    let n_cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    for c in 0..n_cols.min(MAX_COLUMNS) {
        let widest = rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.width())
            .max()
            .unwrap_or(0);
        ws.set_column_width(c as u16, (widest + 2).clamp(6, MAX_WIDTH) as f64)?;
    }
    Ok(())
}

/// The facts every `about` sheet starts with: the build and how to read the sheets.
fn common_facts(facts: &mut Vec<(String, String)>) {
    let b = super::manifest::BUILD;
    facts.push((
        "build".into(),
        format!(
            "empsim {} (commit {}, dirty {}; {}, {}, {})",
            b.version, b.git_commit, b.git_dirty, b.rustc, b.target, b.profile
        ),
    ));
    facts.push((
        "how to read".into(),
        "One sheet per CSV file of the folder, same columns and values (numbers as numbers, \
with the CSV's decimals); an empty cell is an empty CSV cell (not applicable or not defined). \
The columns are documented in the README (Outputs). manifest.json records the command line, \
the resolved scenario and the SHA-256 of every file."
            .into(),
    ));
}

fn scenario_facts(
    scn: &crate::scenario::Scenario,
    seed: u64,
    paths: usize,
) -> Vec<(String, String)> {
    vec![
        ("scenario".into(), scn.name.clone()),
        ("description".into(), scn.description.clone()),
        (
            "years".into(),
            format!(
                "{}–{} (base year {})",
                scn.base_year + 1,
                scn.end_year,
                scn.base_year
            ),
        ),
        ("seed".into(), seed.to_string()),
        ("paths".into(), paths.to_string()),
    ]
}

/// Writes the workbook of `empsim run`.
pub fn write_run(
    dir: &Path,
    scn: &crate::scenario::Scenario,
    seed: u64,
    paths: usize,
) -> Result<()> {
    let mut facts = scenario_facts(scn, seed, paths);
    facts.insert(0, ("command".into(), "empsim run".into()));
    common_facts(&mut facts);
    let tables = [
        Table::new(
            "targets",
            "targets.csv",
            "one row per target: P(met) with its standard error and 95 % Wilson interval, the outcome's median and 5–95 % range, shortfalls, target-setting levels, source and quote",
        ),
        Table::new(
            "on_track",
            "on_track.csv",
            "the glide path: per target and year of its period, P(on track) (cumulative floors: the running sum at least the pro-rata share)",
        ),
        Table::new(
            "quantiles",
            "quantiles.csv",
            "per region, indicator and year: mean, sd and the 5/10/25/50/75/90/95 % quantiles (Hyndman-Fan type 7)",
        ),
        Table::new(
            "baselines",
            "baselines.csv",
            "the historical figures the scenario starts from, with source and quote",
        ),
        Table::new(
            "parameters",
            "parameters.csv",
            "every parameter's distribution and provenance, the growth path and the correlation (fixed inputs); posteriors when conditioned",
        ),
        Table::new(
            "observations",
            "observations.csv",
            "the published figures the run is conditioned on, with how the projection fits them",
        ),
    ];
    let paths = (
        "paths.csv",
        "every path's values (--keep-paths): CSV only, as it can exceed a sheet's 1,048,576 rows",
    );
    write_workbook(dir, &facts, &tables, &[paths])
}

/// Writes the workbook of `empsim compare`.
pub fn write_compare(dir: &Path, view: &super::text::compare::CompareView) -> Result<()> {
    let names: Vec<&str> = view.runs.iter().map(|r| r.scenario.name.as_str()).collect();
    let mut facts = vec![
        ("command".into(), "empsim compare".into()),
        ("scenarios".into(), names.join(", ")),
        (
            "baseline scenario".into(),
            names.first().copied().unwrap_or_default().to_string(),
        ),
        ("seed".into(), view.seed.to_string()),
        ("paths".into(), view.paths.to_string()),
    ];
    common_facts(&mut facts);
    let tables = [
        Table::new(
            "p_met",
            "p_met.csv",
            "per target and scenario: P(met), its standard error, and the paired difference from the baseline scenario with its standard error (common random numbers)",
        ),
        Table::new(
            "quantiles",
            "quantiles.csv",
            "every scenario's quantiles per region, indicator and year",
        ),
    ];
    write_workbook(dir, &facts, &tables, &[])
}

/// Writes the workbook of `empsim sens`.
pub fn write_sens(dir: &Path, study: &crate::analysis::sens::SensStudy) -> Result<()> {
    let mut facts = scenario_facts(&study.scenario, study.seed, study.paths);
    facts.insert(0, ("command".into(), "empsim sens".into()));
    facts.push(("evaluations".into(), study.evaluations.to_string()));
    common_facts(&mut facts);
    let tables = [
        Table::new(
            "indices",
            "indices.csv",
            "the sensitivity indices per factor and metric (docs/SENSITIVITY.md)",
        ),
        Table::new(
            "factors",
            "factors.csv",
            "the factors varied and their distributions",
        ),
    ];
    write_workbook(dir, &facts, &tables, &[])
}

/// Writes the workbook of `empsim backtest`.
pub fn write_backtest(dir: &Path, ctx: &super::csv::backtest::BacktestContext) -> Result<()> {
    let mut facts = scenario_facts(ctx.scn, ctx.seed, ctx.paths);
    facts.insert(0, ("command".into(), "empsim backtest".into()));
    facts.push(("actuals".into(), ctx.actuals.display().to_string()));
    common_facts(&mut facts);
    let tables = [
        Table::new(
            "backtest",
            "backtest.csv",
            "per observed figure: the projection's quantiles, PIT, CRPS and interval scores",
        ),
        Table::new(
            "summary",
            "backtest-summary.csv",
            "the scores summarised per indicator",
        ),
    ];
    write_workbook(dir, &facts, &tables, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_decimals_and_identifiers_stay_text() {
        let f = |cells: &[&str]| {
            let mut col = Column::default();
            col.add("header", true);
            for c in cells {
                col.add(c, false);
            }
            col.number_format()
        };
        assert_eq!(f(&["2021", "2022"]).as_deref(), Some("0"));
        assert_eq!(f(&["0.5000", "", "-1.2500"]).as_deref(), Some("0.0000"));
        assert_eq!(f(&["0.5", "12"]).as_deref(), Some("0.0"));
        assert_eq!(f(&["007", "8"]), None);
        assert_eq!(f(&["1e3"]), None);
        assert_eq!(f(&["2021-2025"]), None);
        assert_eq!(f(&["henan", "1"]), None);
        assert_eq!(f(&["", ""]), None);
    }

    #[test]
    fn long_text_is_cut_at_the_cell_limit() {
        let long = "就".repeat(MAX_CELL_CHARS + 5);
        assert_eq!(clip(&long).chars().count(), MAX_CELL_CHARS);
        assert_eq!(clip("城镇新增就业"), "城镇新增就业");
    }

    #[test]
    fn a_table_over_the_sheet_limit_is_left_out_and_named_in_about() {
        use calamine::Reader;
        let dir = tempfile::tempdir().unwrap();
        let big: String = std::iter::once("v\n".to_string())
            .chain((0..=MAX_ROWS).map(|i| format!("{i}\n")))
            .collect();
        std::fs::write(dir.path().join("big.csv"), big).unwrap();
        std::fs::write(dir.path().join("small.csv"), "k,引文\na,城镇新增就业\n").unwrap();
        let tables = [
            Table::new("big", "big.csv", "too many rows"),
            Table::new("small", "small.csv", "two cells"),
            Table::new("absent", "absent.csv", "not written"),
        ];
        write_workbook(dir.path(), &[("k".into(), "v".into())], &tables, &[]).unwrap();
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook(dir.path().join("results.xlsx")).unwrap();
        assert_eq!(wb.sheet_names(), ["about", "small"]);
        let about = wb.worksheet_range("about").unwrap();
        let big_row: Vec<String> = about
            .rows()
            .find(|r| r[0] == "big")
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            big_row[2],
            "too many rows — not in this workbook: 1048576 rows of 1 columns is more than a sheet holds; open big.csv instead"
        );
        let small = wb.worksheet_range("small").unwrap();
        assert_eq!(small.get((1, 1)).unwrap().to_string(), "城镇新增就业");
    }
}
