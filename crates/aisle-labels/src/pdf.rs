//! A small page writer over `pdf-writer`: text in the standard Helvetica fonts and filled
//! rectangles (barcode bars), on as many pages as the content needs. Documents (packing slips,
//! carton labels) are laid out with it; it knows nothing of warehouses.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;

/// A document being written: pages of a fixed size, drawn top-down.
#[allow(missing_debug_implementations)]
pub struct Document {
    width: f32,
    height: f32,
    pages: Vec<Content>,
}

/// Text as the standard fonts' WinAnsi encoding can show it: ASCII kept, anything else a `?`
/// (names and descriptions come from imports; a PDF reader must never meet bytes it cannot map).
fn ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c as u8
            } else {
                b'?'
            }
        })
        .collect()
}

impl Document {
    /// A document whose pages are `width` by `height` points.
    pub fn new(width: f32, height: f32) -> Self {
        Self {
            width,
            height,
            pages: vec![Content::new()],
        }
    }

    pub fn width(&self) -> f32 {
        self.width
    }

    pub fn height(&self) -> f32 {
        self.height
    }

    /// Starts a new page; drawing goes there from now on.
    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
    }

    fn page(&mut self) -> &mut Content {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Text with its baseline `top` points below the top edge; `bold` picks Helvetica-Bold.
    pub fn text(&mut self, x: f32, top: f32, size: f32, bold: bool, text: &str) {
        let y = self.height - top;
        let bytes = ansi(text);
        let page = self.page();
        page.begin_text();
        page.set_font(Name(if bold { b"F2" } else { b"F1" }), size);
        page.next_line(x, y);
        page.show(Str(&bytes));
        page.end_text();
    }

    /// A filled black rectangle whose top edge is `top` points below the page's top.
    pub fn bar(&mut self, x: f32, top: f32, width: f32, height: f32) {
        let y = self.height - top - height;
        let page = self.page();
        page.set_fill_gray(0.0);
        page.rect(x, y, width, height);
        page.fill_nonzero();
    }

    /// A thin horizontal rule.
    pub fn rule(&mut self, x: f32, top: f32, width: f32) {
        self.bar(x, top, width, 0.5);
    }

    /// Barcode modules (1 = dark) as bars `module` points wide and `height` high.
    pub fn bars(&mut self, x: f32, top: f32, module: f32, height: f32, bars: &[u8]) {
        let mut i = 0;
        while i < bars.len() {
            let run = bars[i..].iter().take_while(|b| **b == bars[i]).count();
            if bars[i] == 1 {
                self.bar(x + i as f32 * module, top, run as f32 * module, height);
            }
            i += run;
        }
    }

    /// The PDF file.
    pub fn finish(self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let first = 5;
        let ids: Vec<(Ref, Ref)> = (0..self.pages.len() as i32)
            .map(|i| (Ref::new(first + 2 * i), Ref::new(first + 2 * i + 1)))
            .collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(ids.iter().map(|(page, _)| *page))
            .count(ids.len() as i32);
        pdf.type1_font(regular).base_font(Name(b"Helvetica"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold"));
        for ((page_id, content_id), content) in ids.iter().zip(self.pages) {
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, self.width, self.height));
            page.parent(tree);
            page.contents(*content_id);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(Name(b"F1"), regular);
            fonts.pair(Name(b"F2"), bold);
            fonts.finish();
            resources.finish();
            page.finish();
            pdf.stream(*content_id, &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_text_and_bars_are_written() {
        let mut d = Document::new(200.0, 100.0);
        d.text(10.0, 20.0, 12.0, true, "Caf\u{e9} <1>");
        d.bars(10.0, 30.0, 1.0, 20.0, &[1, 1, 0, 1]);
        d.new_page();
        d.text(10.0, 20.0, 12.0, false, "page two");
        let pdf = d.finish();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/Count 2"), "two pages");
        assert!(text.contains("(Caf? <1>) Tj"), "non-ASCII shown as ?");
        assert!(text.contains("page two"));
        // Two bars: the run of two modules and the single one.
        assert_eq!(text.matches(" re").count(), 2);
    }
}
