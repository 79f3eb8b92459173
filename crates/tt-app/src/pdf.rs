//! A small PDF writer for text documents (reports): headings, paragraphs and labelled lines,
//! wrapped to the page, in the standard Helvetica fonts every PDF reader has, so the text can
//! be selected, searched and extracted. Pure: it returns bytes.

use std::fmt::Write as _;

/// Letter size, in points.
const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;

/// One block of the document.
enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
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

    /// Lays the blocks out on pages and writes the file.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        // Each page's content stream: lines of (font, size, y, text).
        let mut pages: Vec<String> = Vec::new();
        let mut content = String::new();
        let mut y = PAGE_HEIGHT - MARGIN;
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        for block in &self.blocks {
            let (font, size, gap_before) = match block {
                Block::Title(_) => ("F2", 18.0, 0.0),
                Block::Heading(_) => ("F2", 13.0, 10.0),
                Block::Paragraph(_) => ("F1", 10.0, 4.0),
            };
            let text = match block {
                Block::Title(text) | Block::Heading(text) | Block::Paragraph(text) => text,
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
