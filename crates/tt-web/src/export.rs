//! Every table on every page downloads as CSV or XLSX: `?export=csv|xlsx&table=N` on any page
//! address returns the page's N-th table (from 1) exactly as the page shows it, and each table
//! on a page is followed by its download links.
//!
//! The export is taken from the page the handler rendered, so it passes the same authorization
//! and shows the same figures as the page; there is no second query that could drift from it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tt_app::dashboards::ExportFormat;

use crate::error::error_page;

/// Pages larger than this are served as they are, without download links.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// A table read back from a page: the header row and the body rows, cells as plain text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Decodes the character references askama writes (`&amp;`, `&lt;`, `&#x27;`, …).
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|end| *end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let character = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|decimal| decimal.parse().ok()))
                    .and_then(char::from_u32),
            };
            character.map(|character| (character, end))
        });
        match decoded {
            Some((character, end)) => {
                out.push(character);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A cell's text: tags removed, references decoded, white space collapsed.
fn cell_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for character in html.chars() {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                // A tag separates words (`<br>`, block elements) without adding any itself.
                text.push(' ');
            }
            _ if !in_tag => text.push(character),
            _ => {}
        }
    }
    decode_entities(&text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The position of the next `<name` tag (followed by `>` or white space) at or after `from`.
fn find_tag(html: &str, name: &str, from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let found = at + html.get(at..)?.find(name)?;
        let next = html.as_bytes().get(found + name.len()).copied();
        if matches!(next, Some(b'>' | b' ' | b'\n' | b'\t' | b'\r')) {
            return Some(found);
        }
        at = found + name.len();
    }
}

/// The tables of a page in document order (`<table>` … `</table>`; tables are not nested in
/// our templates).
#[must_use]
pub fn page_tables(html: &str) -> Vec<PageTable> {
    let mut tables = Vec::new();
    let mut at = 0;
    while let Some(start) = find_tag(html, "<table", at) {
        let end = html[start..].find("</table>").map_or(html.len(), |end| start + end);
        tables.push(read_table(&html[start..end]));
        at = end;
    }
    tables
}

fn read_table(html: &str) -> PageTable {
    let head_end = html.find("</thead>");
    let mut table = PageTable::default();
    let mut at = 0;
    while let Some(row_start) = find_tag(html, "<tr", at) {
        let row_end = html[row_start..].find("</tr>").map_or(html.len(), |end| row_start + end);
        let row_html = &html[row_start..row_end];
        let mut cells = Vec::new();
        let mut cell_at = 0;
        loop {
            let next_th = find_tag(row_html, "<th", cell_at);
            let next_td = find_tag(row_html, "<td", cell_at);
            let Some(cell_start) = next_th.into_iter().chain(next_td).min() else { break };
            let open_end = row_html[cell_start..].find('>').map_or(row_html.len(), |end| cell_start + end + 1);
            let close = row_html[open_end..].find("</t").map_or(row_html.len(), |end| open_end + end);
            cells.push(cell_text(&row_html[open_end..close]));
            cell_at = close;
        }
        let in_head = head_end.is_some_and(|head_end| row_start < head_end);
        if in_head || (head_end.is_none() && table.header.is_empty() && table.rows.is_empty()) {
            table.header = cells;
        } else {
            table.rows.push(cells);
        }
        at = row_end;
    }
    table
}

/// What the request asks to download, read from (and removed from) its query.
struct ExportRequest {
    format: ExportFormat,
    table: usize,
}

fn export_request(uri: &Uri) -> Result<Option<(ExportRequest, String)>, String> {
    let Some(query) = uri.query() else { return Ok(None) };
    let mut format = None;
    let mut table = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=').unwrap_or((pair, "")) {
            ("export", value) => format = Some(value.to_owned()),
            ("table", value) => table = Some(value.to_owned()),
            _ => kept.push(pair),
        }
    }
    let Some(format) = format else { return Ok(None) };
    let format = ExportFormat::parse(&format).map_err(|error| error.to_string())?;
    let table = match table {
        None => 1,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|number| *number >= 1)
            .ok_or_else(|| format!("table: '{text}' is not a table number (1, 2, …)"))?,
    };
    let path = if kept.is_empty() { uri.path().to_owned() } else { format!("{}?{}", uri.path(), kept.join("&")) };
    Ok(Some((ExportRequest { format, table }, path)))
}

/// The page's address with `export` and `table` set, for a download link (HTML-escaped).
fn download_link(page: &str, format: &str, table: usize) -> String {
    let separator = if page.contains('?') { "&amp;" } else { "?" };
    format!("{}{separator}export={format}&amp;table={table}", page.replace('&', "&amp;"))
}

/// Adds the download links after each table of a page.
fn with_download_links(html: &str, page: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    let mut number = 0;
    while let Some(end) = rest.find("</table>") {
        number += 1;
        let (before, after) = rest.split_at(end + "</table>".len());
        out.push_str(before);
        out.push_str(&format!(
            "\n<p class=\"export\">Download table {number}: <a href=\"{}\" download>CSV</a> · <a href=\"{}\" download>XLSX</a></p>",
            download_link(page, "csv", number),
            download_link(page, "xlsx", number)
        ));
        rest = after;
    }
    out.push_str(rest);
    out
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

/// The file name of a download: the page's path and the table's number.
fn file_name(path: &str, table: usize, format: ExportFormat) -> String {
    let stem: String = path
        .trim_matches('/')
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || character == '-' { character } else { '-' })
        .collect();
    let stem = if stem.is_empty() { "home".to_owned() } else { stem };
    format!("{stem}-table-{table}.{}", format.extension())
}

/// Serves `?export=` downloads of a page's tables and adds download links under each table of
/// the pages it serves.
pub async fn page_tables_export(mut request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let page = request.uri().path_and_query().map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
    let asked = match export_request(request.uri()) {
        Ok(asked) => asked,
        Err(message) => return error_page(StatusCode::BAD_REQUEST, message),
    };
    if let Some((_, stripped)) = &asked
        && let Ok(uri) = stripped.parse::<Uri>()
    {
        *request.uri_mut() = uri;
    }
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || !is_html(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "The page was too large to read back.".to_owned());
    };
    let html = String::from_utf8_lossy(&bytes);
    let Some((wanted, _)) = asked else {
        let mut response = Response::from_parts(parts, Body::from(with_download_links(&html, &page)));
        response.headers_mut().remove(header::CONTENT_LENGTH);
        return response;
    };
    let tables = page_tables(&html);
    let Some(table) = tables.get(wanted.table - 1) else {
        return error_page(
            StatusCode::NOT_FOUND,
            format!("table: this page has {} table(s), not a table {}", tables.len(), wanted.table),
        );
    };
    let sheet = format!("Table {}", wanted.table);
    match wanted.format.write(&sheet, &table.header, &table.rows) {
        Ok(bytes) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(wanted.format.content_type()));
            let disposition = format!("attachment; filename=\"{}\"", file_name(&path, wanted.table, wanted.format));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => {
            tracing::error!(error = %error, "exporting a table failed");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "The table could not be written.".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_table_reads_back_as_its_header_and_cells() {
        let html = r#"<h2>Due</h2><table class="table">
  <thead><tr><th scope="col"></th><th scope="col">Overdue</th><th scope="col">Within 90 days</th></tr></thead>
  <tbody><tr><th scope="row">Annual &amp; notification <a href="/x">letter</a></th><td>3</td><td>12</td></tr>
  <tr><th scope="row">O&#x27;Brien &lt;Ltd&gt;</th><td>0</td><td></td></tr></tbody>
</table><table><tr><td>one</td></tr><tr><td>two</td></tr></table>"#;
        let tables = page_tables(html);
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].header, ["", "Overdue", "Within 90 days"]);
        assert_eq!(tables[0].rows, [vec!["Annual & notification letter", "3", "12"], vec!["O'Brien <Ltd>", "0", ""]]);
        assert_eq!(tables[1].header, ["one"], "without a head, the first row is the header");
        assert_eq!(tables[1].rows, [vec!["two"]]);
    }

    #[test]
    fn each_table_gets_download_links_that_keep_the_page_query() {
        let html = "<table><tr><td>a</td></tr></table><p>x</p><table><tr><td>b</td></tr></table>";
        let linked = with_download_links(html, "/kpis?from=2025-01-01&to=2025-12-31");
        assert!(linked.contains(
            "Download table 2: <a href=\"/kpis?from=2025-01-01&amp;to=2025-12-31&amp;export=csv&amp;table=2\" download>CSV</a>"
        ));
        assert_eq!(linked.matches("class=\"export\"").count(), 2);
        assert!(with_download_links("<p>none</p>", "/").eq("<p>none</p>"));
    }

    #[test]
    fn the_export_parameters_are_read_and_removed_from_the_query() {
        let uri: Uri = "/kpis?from=2025-01-01&export=xlsx&table=2".parse().expect("uri");
        let (asked, path) = export_request(&uri).expect("valid").expect("asked");
        assert_eq!((asked.format, asked.table, path.as_str()), (ExportFormat::Xlsx, 2, "/kpis?from=2025-01-01"));
        assert!(export_request(&"/kpis?from=2025-01-01".parse().expect("uri")).expect("valid").is_none());
        let refused = export_request(&"/kpis?export=pdf".parse().expect("uri")).err().expect("refused");
        assert!(refused.contains("format"), "{refused}");
        let refused = export_request(&"/kpis?export=csv&table=0".parse().expect("uri")).err().expect("refused");
        assert!(refused.starts_with("table:"), "{refused}");
    }

    proptest::proptest! {
        #[test]
        fn any_cell_text_escaped_as_askama_does_reads_back_unchanged(
            cells in proptest::collection::vec("[ -~éü€]{0,12}", 1..6)
        ) {
            let escape = |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
                .replace('"', "&quot;").replace('\'', "&#x27;");
            let row: String = cells.iter().map(|cell| format!("<td>{}</td>", escape(cell))).collect();
            let html = format!("<table><thead><tr><th>h</th></tr></thead><tbody><tr>{row}</tr></tbody></table>");
            let tables = page_tables(&html);
            let expected: Vec<String> =
                cells.iter().map(|cell| cell.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
            proptest::prop_assert_eq!(&tables[0].rows[0], &expected);
        }

        #[test]
        fn arbitrary_markup_reads_without_panicking_and_gets_one_link_line_per_table_end(
            html in "[<>/a-z &;#x0-9\"=]{0,200}"
        ) {
            proptest::prop_assert!(page_tables(&html).len() <= html.matches("<table").count());
            let linked = with_download_links(&html, "/page?a=b");
            proptest::prop_assert_eq!(linked.matches("class=\"export\"").count(), html.matches("</table>").count());
        }
    }
}
