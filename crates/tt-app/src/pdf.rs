//! A small PDF writer for reports: headings, paragraphs, tables and bar or line charts, laid
//! out on pages, in the standard Helvetica fonts every PDF reader has, so the text can be
//! selected, searched and extracted, and charts are vector drawings that print sharp. Pure: it
//! returns bytes.

use std::fmt::Write as _;

/// Letter size, in points.
const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;

/// Chart colours (the web charts' palette), as PDF RGB fractions.
const PALETTE: [(f32, f32, f32); 6] = [
    (0.122, 0.306, 0.475),
    (0.659, 0.267, 0.059),
    (0.231, 0.420, 0.129),
    (0.416, 0.173, 0.569),
    (0.478, 0.361, 0.0),
    (0.639, 0.098, 0.357),
];

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// One group of bars per category, a bar per series.
    Bars,
    /// One line per series across the categories.
    Lines,
}

/// A chart for a PDF: categories along the x axis, one or more named series of values (a
/// missing value leaves a gap).
#[derive(Debug, Clone, PartialEq)]
pub struct PdfChart {
    pub title: String,
    pub kind: ChartKind,
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<Option<f64>>)>,
    /// Written after tick values, e.g. `%`.
    pub unit: String,
}

/// One block of the document.
enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    Table { header: Vec<String>, rows: Vec<Vec<String>> },
    Chart(PdfChart),
}

/// A document being written.
#[derive(Default)]
pub struct PdfDocument {
    blocks: Vec<Block>,
    title: String,
}

/// Approximate Helvetica advance widths (in thousandths of the font size) for wrapping: narrow
/// letters, wide letters, and the rest.
fn char_width(character: char) -> f32 {
    match character {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' | ' ' | 'f' | 't' | 'r' => 0.3,
        'm' | 'w' | 'M' | 'W' => 0.85,
        'A'..='Z' => 0.68,
        _ => 0.53,
    }
}

/// The byte a character has in WinAnsiEncoding, or `?` when it has none.
fn win_ansi(character: char) -> u8 {
    match character {
        ' '..='~' => u8::try_from(u32::from(character)).unwrap_or(b'?'),
        '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(character)).unwrap_or(b'?'),
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        _ => b'?',
    }
}

/// A string literal for a content stream: WinAnsi bytes with `(`, `)` and `\` escaped, and
/// bytes outside ASCII as octal escapes so the stream stays ASCII.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('(');
    for byte in text.chars().map(win_ansi) {
        match byte {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
    out.push(')');
    out
}

/// Splits text into lines no wider than `width` points at `size`.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split_whitespace() {
            let word_width: f32 = word.chars().map(char_width).sum::<f32>() * size;
            let space = if line.is_empty() { 0.0 } else { char_width(' ') * size };
            if !line.is_empty() && line_width + space + word_width > width {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if !line.is_empty() {
                line.push(' ');
                line_width += char_width(' ') * size;
            }
            line.push_str(word);
            line_width += word_width;
        }
        lines.push(line);
    }
    lines
}

/// The width of `text` in points at `size`.
fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(char_width).sum::<f32>() * size
}

fn text_at(content: &mut String, font: &str, size: f32, x: f32, y: f32, text: &str) {
    let _ = writeln!(content, "BT /{font} {size} Tf {x:.1} {y:.1} Td {} Tj ET", literal(text));
}

const TABLE_SIZE: f32 = 8.5;
const CELL_PADDING: f32 = 4.0;

/// Column widths: each column's widest cell, shrunk in proportion when the table is wider than
/// the page (its cells then wrap).
fn column_widths(header: &[String], rows: &[Vec<String>], available: f32) -> Vec<f32> {
    let columns = header.len().max(rows.iter().map(Vec::len).max().unwrap_or(0));
    let mut widths = vec![0.0_f32; columns];
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        for (column, cell) in row.iter().enumerate() {
            let longest_word = cell.split_whitespace().map(|word| text_width(word, TABLE_SIZE)).fold(0.0, f32::max);
            // A point of slack: wrapping sums the words' widths in another order.
            widths[column] =
                widths[column].max(text_width(cell, TABLE_SIZE).max(longest_word) + 2.0 * CELL_PADDING + 1.0);
        }
    }
    let total: f32 = widths.iter().sum();
    if total > available {
        for width in &mut widths {
            *width *= available / total;
        }
    }
    widths
}

fn draw_row(content: &mut String, cells: &[String], widths: &[f32], top: f32, bold: bool) -> f32 {
    let leading = TABLE_SIZE * 1.3;
    let wrapped: Vec<Vec<String>> = widths
        .iter()
        .enumerate()
        .map(|(column, width)| {
            wrap(cells.get(column).map_or("", String::as_str), TABLE_SIZE, width - 2.0 * CELL_PADDING)
        })
        .collect();
    let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let height = leading * lines as f32 + 2.0 * CELL_PADDING;
    let mut x = MARGIN;
    for (column, cell_lines) in wrapped.iter().enumerate() {
        for (index, line) in cell_lines.iter().enumerate() {
            let baseline = top - CELL_PADDING - leading * (index as f32 + 1.0) + 2.0;
            text_at(content, if bold { "F2" } else { "F1" }, TABLE_SIZE, x + CELL_PADDING, baseline, line);
        }
        x += widths[column];
    }
    let right = MARGIN + widths.iter().sum::<f32>();
    let _ = writeln!(content, "0.6 G 0.5 w {MARGIN} {:.1} m {right:.1} {:.1} l S", top - height, top - height);
    height
}

/// Lays a table out from `y` down, continuing on new pages with the header repeated.
fn draw_table(header: &[String], rows: &[Vec<String>], pages: &mut Vec<String>, content: &mut String, y: &mut f32) {
    let widths = column_widths(header, rows, PAGE_WIDTH - 2.0 * MARGIN);
    let row_height = |cells: &[String]| {
        let lines = widths
            .iter()
            .enumerate()
            .map(|(column, width)| {
                wrap(cells.get(column).map_or("", String::as_str), TABLE_SIZE, width - 2.0 * CELL_PADDING).len()
            })
            .max()
            .unwrap_or(1);
        TABLE_SIZE * 1.3 * lines as f32 + 2.0 * CELL_PADDING
    };
    *y -= 6.0;
    if *y - row_height(header) - row_height(rows.first().map_or(&[][..], Vec::as_slice)) < MARGIN {
        pages.push(std::mem::take(content));
        *y = PAGE_HEIGHT - MARGIN;
    }
    *y -= draw_row(content, header, &widths, *y, true);
    for row in rows {
        if *y - row_height(row) < MARGIN {
            pages.push(std::mem::take(content));
            *y = PAGE_HEIGHT - MARGIN;
            *y -= draw_row(content, header, &widths, *y, true);
        }
        *y -= draw_row(content, row, &widths, *y, false);
    }
    *y -= 4.0;
}

const CHART_HEIGHT: f32 = 230.0;

/// A round top for the value axis (1, 2 or 5 times a power of ten, over four ticks).
fn axis_top(maximum: f64) -> f64 {
    if maximum <= 0.0 {
        return 1.0;
    }
    let mut step = 10_f64.powf((maximum / 4.0).log10().floor());
    loop {
        for factor in [1.0, 2.0, 5.0] {
            if step * factor * 4.0 >= maximum {
                return step * factor * 4.0;
            }
        }
        step *= 10.0;
    }
}

fn tick_label(value: f64, unit: &str) -> String {
    let text = if (value - value.round()).abs() < 1e-9 { format!("{value:.0}") } else { format!("{value:.2}") };
    format!("{text}{unit}")
}

/// Draws a chart whose top edge is at `top`: title, value axis with four ticks, category
/// labels, the bars or lines, and a legend.
fn draw_chart(chart: &PdfChart, content: &mut String, top: f32) {
    let left = MARGIN + 40.0;
    let right = PAGE_WIDTH - MARGIN;
    let plot_top = top - 26.0;
    let plot_bottom = top - CHART_HEIGHT + 46.0;
    text_at(content, "F2", 10.0, MARGIN, top - 12.0, &chart.title);
    let maximum = chart.series.iter().flat_map(|(_, values)| values.iter().flatten()).copied().fold(0.0, f64::max);
    let axis = axis_top(maximum);
    let y_of = |value: f64| plot_bottom + ((value / axis) as f32) * (plot_top - plot_bottom);
    for tick in 0..=4 {
        let value = axis * f64::from(tick) / 4.0;
        let y = y_of(value);
        let _ = writeln!(content, "0.85 G 0.5 w {left:.1} {y:.1} m {right:.1} {y:.1} l S");
        let label = tick_label(value, &chart.unit);
        text_at(content, "F1", 7.0, left - 4.0 - text_width(&label, 7.0), y - 2.5, &label);
    }
    let _ = writeln!(
        content,
        "0.2 G 0.8 w {left:.1} {plot_top:.1} m {left:.1} {plot_bottom:.1} l {right:.1} {plot_bottom:.1} l S"
    );
    let categories = chart.categories.len().max(1);
    let slot = (right - left) / categories as f32;
    // Label every category when they fit, else every n-th.
    let every = ((categories as f32 * 30.0 / (right - left)).ceil() as usize).max(1);
    for (index, category) in chart.categories.iter().enumerate() {
        if index % every == 0 {
            let centre = left + slot * (index as f32 + 0.5);
            let label: String = category.chars().take(18).collect();
            text_at(content, "F1", 7.0, centre - text_width(&label, 7.0) / 2.0, plot_bottom - 11.0, &label);
        }
    }
    let series_count = chart.series.len().max(1);
    for (number, (_, values)) in chart.series.iter().enumerate() {
        let (red, green, blue) = PALETTE[number % PALETTE.len()];
        match chart.kind {
            ChartKind::Bars => {
                let bar = slot * 0.8 / series_count as f32;
                for (index, value) in values.iter().enumerate() {
                    if let Some(value) = value {
                        let x = left + slot * (index as f32 + 0.1) + bar * number as f32;
                        let height = y_of(*value) - plot_bottom;
                        let _ = writeln!(
                            content,
                            "{red} {green} {blue} rg {x:.1} {plot_bottom:.1} {bar:.1} {height:.1} re f"
                        );
                    }
                }
            }
            ChartKind::Lines => {
                let mut drawing = false;
                let _ = write!(content, "{red} {green} {blue} RG 1.5 w ");
                for (index, value) in values.iter().enumerate() {
                    let x = left + slot * (index as f32 + 0.5);
                    match value {
                        Some(value) => {
                            let operator = if drawing { "l" } else { "m" };
                            let _ = write!(content, "{x:.1} {:.1} {operator} ", y_of(*value));
                            drawing = true;
                        }
                        None => drawing = false,
                    }
                }
                let _ = writeln!(content, "S");
            }
        }
    }
    let mut x = left;
    for (number, (name, _)) in chart.series.iter().enumerate() {
        let (red, green, blue) = PALETTE[number % PALETTE.len()];
        let y = plot_bottom - 28.0;
        let _ = writeln!(content, "{red} {green} {blue} rg {x:.1} {y:.1} 10 6 re f 0 g");
        text_at(content, "F1", 7.5, x + 13.0, y, name);
        x += 13.0 + text_width(name, 7.5) + 14.0;
    }
    let _ = writeln!(content, "0 g 0 G");
}

impl PdfDocument {
    /// A document whose metadata title is `title`.
    #[must_use]
    pub fn new(title: &str) -> Self {
        Self { blocks: Vec::new(), title: title.to_owned() }
    }

    pub fn title(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Title(text.to_owned()));
        self
    }

    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Heading(text.to_owned()));
        self
    }

    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.to_owned()));
        self
    }

    /// A table with a bold header row, repeated on each page it runs onto.
    pub fn table(&mut self, header: &[String], rows: &[Vec<String>]) -> &mut Self {
        self.blocks.push(Block::Table { header: header.to_vec(), rows: rows.to_vec() });
        self
    }

    /// A chart with axes, value ticks, category labels and a legend.
    pub fn chart(&mut self, chart: PdfChart) -> &mut Self {
        self.blocks.push(Block::Chart(chart));
        self
    }

    /// Lays the blocks out on pages and writes the file.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        // Each page's content stream: lines of (font, size, y, text).
        let mut pages: Vec<String> = Vec::new();
        let mut content = String::new();
        let mut y = PAGE_HEIGHT - MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        for block in &self.blocks {
            let (font, size, gap_before, text) = match block {
                Block::Title(text) => ("F2", 18.0, 0.0, text),
                Block::Heading(text) => ("F2", 13.0, 10.0, text),
                Block::Paragraph(text) => ("F1", 10.0, 4.0, text),
                Block::Table { header, rows } => {
                    draw_table(header, rows, &mut pages, &mut content, &mut y);
                    continue;
                }
                Block::Chart(chart) => {
                    if y - CHART_HEIGHT < MARGIN {
                        pages.push(std::mem::take(&mut content));
                        y = PAGE_HEIGHT - MARGIN;
                    }
                    draw_chart(chart, &mut content, y);
                    y -= CHART_HEIGHT;
                    continue;
                }
            };
            y -= gap_before;
            for line in wrap(text, size, width) {
                let leading = size * 1.35;
                if y - leading < MARGIN {
                    pages.push(std::mem::take(&mut content));
                    y = PAGE_HEIGHT - MARGIN;
                }
                y -= leading;
                let _ = writeln!(content, "BT /{font} {size} Tf {MARGIN} {y:.1} Td {} Tj ET", literal(&line));
            }
        }
        pages.push(content);

        // Objects: 1 catalog, 2 pages, 3 regular font, 4 bold font, 5 info, then per page a page
        // object and its content stream.
        let mut objects: Vec<String> = Vec::new();
        let page_ids: Vec<usize> = (0..pages.len()).map(|index| 6 + index * 2).collect();
        objects.push("<< /Type /Catalog /Pages 2 0 R >>".to_owned());
        objects.push(format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            page_ids.iter().map(|id| format!("{id} 0 R")).collect::<Vec<_>>().join(" "),
            pages.len()
        ));
        objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned());
        objects
            .push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_owned());
        objects.push(format!("<< /Title {} /Producer (Trusted Trader) >>", literal(&self.title)));
        for (index, stream) in pages.iter().enumerate() {
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                page_ids[index] + 1
            ));
            objects.push(format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()));
        }
        let mut out = String::from("%PDF-1.4\n");
        let mut offsets = Vec::with_capacity(objects.len());
        for (index, object) in objects.iter().enumerate() {
            offsets.push(out.len());
            let _ = write!(out, "{} 0 obj\n{object}\nendobj\n", index + 1);
        }
        let xref = out.len();
        let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for offset in offsets {
            let _ = writeln!(out, "{offset:010} 00000 n ");
        }
        let _ = write!(
            out,
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_wrapped_and_special_characters_are_escaped() {
        let lines = wrap(&"word ".repeat(100), 10.0, 200.0);
        assert!(lines.len() > 5 && lines.iter().all(|line| !line.is_empty()));
        assert_eq!(literal("a (b) \\ é"), "(a \\(b\\) \\\\ \\351)");
    }

    #[test]
    fn a_long_table_repeats_its_header_on_the_next_page_and_keeps_every_row() {
        let header = vec!["Group".to_owned(), "Entries".to_owned()];
        let rows: Vec<Vec<String>> = (0..120).map(|row| vec![format!("Row {row}"), (row * 7).to_string()]).collect();
        let mut document = PdfDocument::new("Test");
        document.table(&header, &rows);
        let text = String::from_utf8(document.to_bytes()).expect("ASCII");
        assert!(text.matches("/Type /Page ").count() >= 2, "120 rows take more than a page");
        assert_eq!(text.matches("(Entries) Tj").count(), text.matches("/Type /Page ").count(), "a header per page");
        assert!(text.contains("(Row 119) Tj") && text.contains("(833) Tj"));
    }

    #[test]
    fn a_chart_draws_its_bars_ticks_and_legend_and_leaves_gaps_for_missing_values() {
        let mut document = PdfDocument::new("Test");
        document.chart(PdfChart {
            title: "Exam rate".to_owned(),
            kind: ChartKind::Bars,
            categories: vec!["Tier I".to_owned(), "Tier II".to_owned()],
            series: vec![("Exam rate".to_owned(), vec![Some(3.2), None])],
            unit: "%".to_owned(),
        });
        let text = String::from_utf8(document.to_bytes()).expect("ASCII");
        assert_eq!(text.matches(" re f").count(), 2, "one bar (the missing value has none) and one legend swatch");
        assert!(text.contains("(4%) Tj"), "the axis tops at a round 4%: {text}");
        assert!(text.contains("(Tier II) Tj") && text.contains("(Exam rate) Tj"));
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(130.0), 200.0);
        assert_eq!(axis_top(0.7), 0.8);
    }

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let mut document = PdfDocument::new("Test");
        document.title("Report").paragraph(&"A fairly long sentence about seals. ".repeat(200));
        let bytes = document.to_bytes();
        let text = String::from_utf8(bytes).expect("ASCII");
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|rest| rest.lines().next())
            .and_then(|line| line.parse().ok())
            .expect("startxref");
        assert!(text[xref_at..].starts_with("xref"));
        for line in text[xref_at..].lines().skip(3).take_while(|line| line.ends_with(" n ")) {
            let offset: usize = line[..10].parse().expect("offset");
            assert!(text[offset..].split_once(" 0 obj").is_some(), "an object starts at {offset}");
        }
        assert!(text.matches("/Type /Page ").count() >= 2, "the long paragraph runs onto a second page");
    }
}
