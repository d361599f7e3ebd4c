//! Store HTML → a description TikTok displays well.
//!
//! TikTok renders a small subset of HTML in product descriptions: paragraphs, bullet lists,
//! bold/italic/underline and images it hosts itself (tiktok-shop.md §4.1: description images are
//! uploaded with use case `DESCRIPTION_IMAGE`). Everything else is turned into that subset:
//! headings become bold paragraphs, ordered lists numbered paragraphs, tables one readable line
//! per row ("Size: M, Chest: 100 cm"); scripts and styles are dropped and unknown tags unwrapped
//! so their text survives. Pure: images are named by their store URL and swapped for TikTok's
//! at [`Description::render`].

use scraper::{ElementRef, Html, Node};
use std::collections::HashMap;

/// Longest description TikTok accepts, in characters (§5.1; the simulator enforces it).
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// One block of the converted description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Inline HTML (escaped text with `<strong>`, `<em>`, `<u>`, `<br>`).
    Paragraph(String),
    /// Bullet items, each inline HTML.
    Bullets(Vec<String>),
    /// An image by its store URL; replaced by TikTok's at render time.
    Image(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    pub blocks: Vec<Block>,
}

/// The description as sent, with what had to be left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    /// Store image URLs with no TikTok copy (not uploadable): left out.
    pub dropped_images: Vec<String>,
    /// Blocks were left out to stay within [`MAX_DESCRIPTION_CHARS`].
    pub truncated: bool,
}

impl Description {
    /// Distinct image URLs in order of appearance: what must be uploaded.
    pub fn image_urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        for block in &self.blocks {
            if let Block::Image(url) = block
                && !urls.contains(url)
            {
                urls.push(url.clone());
            }
        }
        urls
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// HTML for TikTok; `uploaded` maps store image URLs to TikTok-hosted ones.
    pub fn render(&self, uploaded: &HashMap<String, String>) -> Rendered {
        let mut rendered = Rendered::default();
        let mut length = 0;
        for block in &self.blocks {
            let html = match block {
                Block::Paragraph(inline) => format!("<p>{inline}</p>"),
                Block::Bullets(items) => {
                    let items: String = items.iter().map(|i| format!("<li>{i}</li>")).collect();
                    format!("<ul>{items}</ul>")
                }
                Block::Image(url) => match uploaded.get(url) {
                    Some(hosted) => format!("<img src=\"{}\">", escape_attribute(hosted)),
                    None => {
                        if !rendered.dropped_images.contains(url) {
                            rendered.dropped_images.push(url.clone());
                        }
                        continue;
                    }
                },
            };
            let block_length = html.chars().count();
            if length + block_length > MAX_DESCRIPTION_CHARS {
                // Whole blocks only: a cut inside one could split a tag.
                rendered.truncated = true;
                break;
            }
            length += block_length;
            rendered.html.push_str(&html);
        }
        rendered
    }
}

/// Convert store HTML into TikTok's subset.
pub fn convert(html: &str) -> Description {
    let fragment = Html::parse_fragment(html);
    let mut walker = Walker::default();
    walker.children(fragment.root_element());
    walker.flush();
    Description {
        blocks: walker.blocks,
    }
}

/// Elements whose content is never shown.
const DROPPED: &[&str] = &[
    "script", "style", "head", "title", "noscript", "template", "iframe", "object", "embed", "svg",
    "canvas", "video", "audio", "form", "button", "select", "textarea", "input",
];
/// Elements that end the current paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "main",
    "nav",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "dl",
    "dt",
    "dd",
    "hr",
    "center",
    "details",
    "summary",
];

#[derive(Default)]
struct Walker {
    blocks: Vec<Block>,
    /// Inline HTML of the paragraph being built.
    line: String,
    /// Open inline formatting tags; images met inside wait for the paragraph's end.
    open_inline: usize,
    pending_images: Vec<String>,
}

impl Walker {
    fn flush(&mut self) {
        let text = collapse_spaces(&self.line);
        if has_visible_text(&text) {
            self.blocks.push(Block::Paragraph(text));
        }
        self.line.clear();
        for url in std::mem::take(&mut self.pending_images) {
            self.blocks.push(Block::Image(url));
        }
    }

    fn children(&mut self, element: ElementRef<'_>) {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => push_text(&mut self.line, text),
                Node::Element(_) => {
                    if let Some(child) = ElementRef::wrap(child) {
                        self.element(child);
                    }
                }
                _ => {}
            }
        }
    }

    fn element(&mut self, element: ElementRef<'_>) {
        let name = element.value().name();
        match name {
            _ if DROPPED.contains(&name) => {}
            "br" => self.line.push_str("<br>"),
            "img" => {
                if let Some(src) = image_source(element) {
                    if self.open_inline > 0 {
                        self.pending_images.push(src);
                    } else {
                        self.flush();
                        self.blocks.push(Block::Image(src));
                    }
                }
            }
            "strong" | "b" | "em" | "i" | "u" => {
                let tag = match name {
                    "b" | "strong" => "strong",
                    "i" | "em" => "em",
                    _ => "u",
                };
                let before = self.line.len();
                self.line.push_str(&format!("<{tag}>"));
                self.open_inline += 1;
                self.children(element);
                self.open_inline -= 1;
                if has_visible_text(&self.line[before..]) {
                    self.line.push_str(&format!("</{tag}>"));
                } else {
                    // Nothing inside: leave no empty tag pair behind.
                    self.line.truncate(before);
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let (text, images) = inline_of(element);
                if has_visible_text(&text) {
                    self.blocks
                        .push(Block::Paragraph(format!("<strong>{text}</strong>")));
                }
                self.blocks.extend(images.into_iter().map(Block::Image));
            }
            "ul" | "menu" => {
                self.flush();
                let mut items = Vec::new();
                let mut images = Vec::new();
                bullet_items(element, &mut items, &mut images);
                if !items.is_empty() {
                    self.blocks.push(Block::Bullets(items));
                }
                self.blocks.extend(images.into_iter().map(Block::Image));
            }
            "ol" => {
                self.flush();
                self.ordered_list(element);
            }
            "table" => {
                self.flush();
                self.table(element);
            }
            "li" => {
                // A list item outside any list: a bullet of its own.
                self.flush();
                let (text, images) = inline_of(element);
                if has_visible_text(&text) {
                    self.blocks.push(Block::Bullets(vec![text]));
                }
                self.blocks.extend(images.into_iter().map(Block::Image));
            }
            _ if BLOCKS.contains(&name) => {
                self.flush();
                self.children(element);
                self.flush();
            }
            // Unknown or purely presentational inline tags (span, a, font, …): keep the text.
            _ => self.children(element),
        }
    }

    fn ordered_list(&mut self, list: ElementRef<'_>) {
        let mut number: i64 = list
            .attr("start")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1);
        for item in list.child_elements() {
            if item.value().name() != "li" {
                continue;
            }
            let (text, images) = inline_of(item);
            if has_visible_text(&text) {
                self.blocks
                    .push(Block::Paragraph(format!("{number}. {text}")));
                number += 1;
            }
            self.blocks.extend(images.into_iter().map(Block::Image));
            // Nested lists inside an item follow it, indented by their own numbering.
            for nested in item.child_elements() {
                match nested.value().name() {
                    "ol" => self.ordered_list(nested),
                    "ul" => self.element(nested),
                    _ => {}
                }
            }
        }
    }

    fn table(&mut self, table: ElementRef<'_>) {
        let mut rows: Vec<(Vec<String>, bool)> = Vec::new();
        let mut caption = None;
        collect_rows(table, &mut rows, &mut caption);
        if let Some(caption) = caption.filter(|c| has_visible_text(c)) {
            self.blocks
                .push(Block::Paragraph(format!("<strong>{caption}</strong>")));
        }
        let mut rows = rows.into_iter().filter(|(cells, _)| !cells.is_empty());
        let mut header: Option<Vec<String>> = None;
        let mut pending = Vec::new();
        if let Some((cells, all_headers)) = rows.next() {
            if all_headers && cells.len() > 1 {
                header = Some(cells);
            } else {
                pending.push(cells);
            }
        }
        for cells in pending.into_iter().chain(rows.map(|(cells, _)| cells)) {
            let line = match &header {
                Some(names) if names.len() == cells.len() => names
                    .iter()
                    .zip(&cells)
                    .filter(|(_, value)| has_visible_text(value))
                    .map(|(name, value)| {
                        if has_visible_text(name) {
                            format!("{name}: {value}")
                        } else {
                            value.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                // Two cells with no header row: a name/value pair ("Material: Cotton").
                _ if cells.len() == 2 => format!("{}: {}", cells[0], cells[1]),
                _ => cells
                    .iter()
                    .filter(|c| has_visible_text(c))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            if has_visible_text(&line) {
                self.blocks.push(Block::Paragraph(line));
            }
        }
    }
}

/// Rows of a table in document order (through thead/tbody/tfoot), each with whether every
/// cell is a header cell. Nested tables are read as text of their cell.
fn collect_rows(
    element: ElementRef<'_>,
    rows: &mut Vec<(Vec<String>, bool)>,
    caption: &mut Option<String>,
) {
    for child in element.child_elements() {
        match child.value().name() {
            "tr" => {
                let mut cells = Vec::new();
                let mut all_headers = true;
                for cell in child.child_elements() {
                    let name = cell.value().name();
                    if name != "td" && name != "th" {
                        continue;
                    }
                    all_headers &= name == "th";
                    cells.push(strip_tags_text(cell));
                }
                rows.push((cells, all_headers));
            }
            "thead" | "tbody" | "tfoot" => collect_rows(child, rows, caption),
            "caption" => *caption = Some(strip_tags_text(child)),
            _ => {}
        }
    }
}

/// Bullet items of a `<ul>`; items of nested lists become items of their own.
fn bullet_items(list: ElementRef<'_>, items: &mut Vec<String>, images: &mut Vec<String>) {
    for item in list.child_elements() {
        if item.value().name() != "li" {
            continue;
        }
        let (text, item_images) = inline_of(item);
        if has_visible_text(&text) {
            items.push(text);
        }
        images.extend(item_images);
        for nested in item.child_elements() {
            if matches!(nested.value().name(), "ul" | "ol" | "menu") {
                bullet_items(nested, items, images);
            }
        }
    }
}

/// The inline HTML of an element's content (nested lists left out), and its images.
fn inline_of(element: ElementRef<'_>) -> (String, Vec<String>) {
    let mut walker = Walker {
        // Images inside wait: the caller places them after the text.
        open_inline: 1,
        ..Walker::default()
    };
    for child in element.children() {
        match child.value() {
            Node::Text(text) => push_text(&mut walker.line, text),
            Node::Element(_) => {
                if let Some(child) = ElementRef::wrap(child) {
                    match child.value().name() {
                        "ul" | "ol" | "menu" => {}
                        "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                            // Blocks inside an item or heading: keep their text on one line.
                            walker.line.push(' ');
                            walker.children(child);
                            walker.line.push(' ');
                        }
                        _ => walker.element(child),
                    }
                }
            }
            _ => {}
        }
    }
    (collapse_spaces(&walker.line), walker.pending_images)
}

/// Escaped plain text of an element (table cells): no markup at all.
fn strip_tags_text(element: ElementRef<'_>) -> String {
    let mut text = String::new();
    for piece in element.text() {
        push_text(&mut text, piece);
        text.push(' ');
    }
    collapse_spaces(&text)
}

fn image_source(element: ElementRef<'_>) -> Option<String> {
    let src = element
        .attr("src")
        .or_else(|| element.attr("data-src"))?
        .trim();
    // Only absolute web images can be fetched and uploaded; `data:` and relative URLs cannot.
    (src.starts_with("https://") || src.starts_with("http://")).then(|| src.to_owned())
}

/// Append text with HTML's whitespace folded and `&`, `<`, `>` escaped (the parser decoded
/// entities; escaping keeps what they meant).
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// Fold runs of spaces (text was already folded to single-line) and trim the ends.
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim_end().to_owned()
}

/// True when the inline HTML shows any text (not only tags and spaces).
fn has_visible_text(inline: &str) -> bool {
    let mut in_tag = false;
    for c in inline.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(input: &str) -> String {
        convert(input).render(&HashMap::new()).html
    }

    #[test]
    fn paragraphs_and_inline_formatting_are_kept() {
        assert_eq!(
            html("<p>Soft <b>cotton</b> tee</p><p>Machine <em>washable</em>.</p>"),
            "<p>Soft <strong>cotton</strong> tee</p><p>Machine <em>washable</em>.</p>"
        );
    }

    #[test]
    fn loose_text_and_divs_become_paragraphs() {
        assert_eq!(
            html("Intro text<div>In a div</div>  tail  "),
            "<p>Intro text</p><p>In a div</p><p>tail</p>"
        );
    }

    #[test]
    fn bullet_lists_are_kept_and_nested_ones_flattened() {
        assert_eq!(
            html("<ul><li>One</li><li>Two<ul><li>Two a</li></ul></li></ul>"),
            "<ul><li>One</li><li>Two</li><li>Two a</li></ul>"
        );
    }

    #[test]
    fn ordered_lists_become_numbered_paragraphs() {
        assert_eq!(
            html("<ol><li>Wash cold</li><li>Dry flat</li></ol>"),
            "<p>1. Wash cold</p><p>2. Dry flat</p>"
        );
        assert_eq!(
            html("<ol start=\"3\"><li>Third</li></ol>"),
            "<p>3. Third</p>"
        );
    }

    #[test]
    fn headings_become_bold_paragraphs() {
        assert_eq!(
            html("<h2>Care</h2><p>Wash cold.</p>"),
            "<p><strong>Care</strong></p><p>Wash cold.</p>"
        );
    }

    #[test]
    fn tables_with_a_header_row_become_name_value_lines() {
        let table = "<table><thead><tr><th>Size</th><th>Chest</th></tr></thead>\
            <tbody><tr><td>M</td><td>100 cm</td></tr><tr><td>L</td><td>106 cm</td></tr></tbody></table>";
        assert_eq!(
            html(table),
            "<p>Size: M, Chest: 100 cm</p><p>Size: L, Chest: 106 cm</p>"
        );
    }

    #[test]
    fn two_column_tables_without_header_become_pairs() {
        let table = "<table><caption>Specs</caption><tr><td>Material</td><td>Cotton</td></tr>\
            <tr><th>Weight</th><td>180 g</td></tr></table>";
        assert_eq!(
            html(table),
            "<p><strong>Specs</strong></p><p>Material: Cotton</p><p>Weight: 180 g</p>"
        );
    }

    #[test]
    fn wide_tables_without_header_join_cells() {
        assert_eq!(
            html("<table><tr><td>a</td><td><b>b</b></td><td>c</td></tr></table>"),
            "<p>a, b, c</p>"
        );
    }

    #[test]
    fn scripts_styles_and_unknown_tags_are_stripped() {
        assert_eq!(
            html(
                "<style>p{color:red}</style><script>alert(1)</script>\
                 <p><span class=\"x\">Kept</span> <a href=\"/x\">link text</a><blink>!</blink></p>"
            ),
            "<p>Kept link text!</p>"
        );
    }

    #[test]
    fn entities_keep_their_meaning() {
        assert_eq!(
            html("<p>Fish &amp; chips &lt;3 &eacute;t&eacute; caf&#233;&nbsp;!</p>"),
            "<p>Fish &amp; chips &lt;3 été café&nbsp;!</p>"
        );
    }

    #[test]
    fn images_are_swapped_for_uploaded_ones_or_dropped() {
        let description = convert(
            "<p>Look <img src=\"https://cdn.example/a.png\"> here</p>\
             <img src=\"https://cdn.example/b.png\"><img src=\"data:image/png;base64,AAAA\">\
             <img src=\"https://cdn.example/a.png\">",
        );
        assert_eq!(
            description.image_urls(),
            vec![
                "https://cdn.example/a.png".to_owned(),
                "https://cdn.example/b.png".to_owned()
            ]
        );
        let uploaded = HashMap::from([(
            "https://cdn.example/a.png".to_owned(),
            "https://tiktok.example/a?x=1&y=2".to_owned(),
        )]);
        let rendered = description.render(&uploaded);
        assert_eq!(
            rendered.html,
            // The image stays where it was, splitting the paragraph around it.
            "<p>Look</p><img src=\"https://tiktok.example/a?x=1&amp;y=2\"><p>here</p><img src=\"https://tiktok.example/a?x=1&amp;y=2\">"
        );
        assert_eq!(
            rendered.dropped_images,
            vec!["https://cdn.example/b.png".to_owned()]
        );
    }

    #[test]
    fn empty_and_whitespace_only_input_gives_nothing() {
        assert!(convert("").is_empty());
        assert!(convert("  <p> </p><b></b><script>x</script>").is_empty());
    }

    #[test]
    fn long_descriptions_stop_at_whole_blocks_within_the_limit() {
        let paragraph = format!("<p>{}</p>", "x".repeat(999));
        let input = paragraph.repeat(12);
        let rendered = convert(&input).render(&HashMap::new());
        assert!(rendered.truncated);
        assert!(rendered.html.chars().count() <= MAX_DESCRIPTION_CHARS);
        assert!(rendered.html.ends_with("</p>"));
        assert_eq!(rendered.html.matches("<p>").count(), 9);
    }

    #[test]
    fn line_breaks_are_kept_inside_paragraphs() {
        assert_eq!(
            html("<p>Line one<br>Line two</p>"),
            "<p>Line one<br>Line two</p>"
        );
    }
}
