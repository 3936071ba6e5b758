//! A small SVG writer: a plot frame mapping data to pixels, axes with ticks,
//! and escaped text. Just what the report's charts need; no dependency, no
//! script, deterministic output (numbers written with fixed precision).

use std::fmt::Write;

/// Escape text for HTML/SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A pixel coordinate, written with one decimal.
fn px(v: f64) -> String {
    format!("{:.1}", if v.is_finite() { v } else { 0.0 })
}

/// The plotting area of a chart and the data ranges it shows.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
}

impl Frame {
    /// A chart of `width` × `height` pixels with room for axes, over the
    /// unit square.
    pub fn new(width: f64, height: f64) -> Frame {
        Frame {
            width,
            height,
            left: 48.0,
            right: 12.0,
            top: 12.0,
            bottom: 40.0,
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
        }
    }

    pub fn with_ranges(mut self, x: (f64, f64), y: (f64, f64)) -> Frame {
        let widen = |(lo, hi): (f64, f64)| if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
        self.x_range = widen(x);
        self.y_range = widen(y);
        self
    }

    pub fn x(&self, v: f64) -> f64 {
        let (lo, hi) = self.x_range;
        self.left + (v - lo) / (hi - lo) * (self.width - self.left - self.right)
    }

    pub fn y(&self, v: f64) -> f64 {
        let (lo, hi) = self.y_range;
        self.height - self.bottom - (v - lo) / (hi - lo) * (self.height - self.top - self.bottom)
    }
}

/// An SVG document being written.
pub struct Svg {
    out: String,
    frame: Frame,
}

impl Svg {
    /// Start a chart; `kind` names it for readers and tests (`data-plot`),
    /// `label` describes it for assistive technology.
    pub fn new(frame: Frame, kind: &str, label: &str) -> Svg {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="{}" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">"#,
            escape(kind),
            frame.width,
            frame.height,
            frame.width,
            frame.height,
            escape(label)
        );
        Svg { out, frame }
    }

    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// A polyline through data points, as one path (`class` styles it).
    pub fn line(&mut self, points: &[(f64, f64)], class: &str) {
        if points.is_empty() {
            return;
        }
        let mut d = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{},{}",
                if i == 0 { "M" } else { " L" },
                px(self.frame.x(*x)),
                px(self.frame.y(*y))
            );
        }
        let _ = write!(self.out, r#"<path class="{}" d="{}"/>"#, escape(class), d);
    }

    /// A rectangle in data coordinates, from (x0, y0) to (x1, y1).
    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, class: &str, title: &str) {
        let (a, b) = (self.frame.x(x0), self.frame.x(x1));
        let (c, d) = (self.frame.y(y0), self.frame.y(y1));
        let _ = write!(
            self.out,
            r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>"#,
            escape(class),
            px(a.min(b)),
            px(c.min(d)),
            px((b - a).abs()),
            px((d - c).abs()),
            escape(title)
        );
    }

    /// A dot in data coordinates with a tooltip.
    pub fn dot(&mut self, x: f64, y: f64, r: f64, class: &str, title: &str) {
        let _ = write!(
            self.out,
            r#"<circle class="{}" cx="{}" cy="{}" r="{}"><title>{}</title></circle>"#,
            escape(class),
            px(self.frame.x(x)),
            px(self.frame.y(y)),
            px(r),
            escape(title)
        );
    }

    /// Text at pixel coordinates.
    pub fn text_px(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = write!(
            self.out,
            r#"<text class="{}" x="{}" y="{}" text-anchor="{}">{}</text>"#,
            escape(class),
            px(x),
            px(y),
            anchor,
            escape(text)
        );
    }

    /// Both axes with `ticks` evenly spaced ticks each, and their titles.
    pub fn axes(
        &mut self,
        ticks: usize,
        x_title: &str,
        y_title: &str,
        x_format: fn(f64) -> String,
        y_format: fn(f64) -> String,
    ) {
        let f = self.frame;
        let (x0, x1) = (f.x(f.x_range.0), f.x(f.x_range.1));
        let (y0, y1) = (f.y(f.y_range.0), f.y(f.y_range.1));
        let _ = write!(
            self.out,
            r#"<path class="axis" d="M{},{} L{},{} M{},{} L{},{}"/>"#,
            px(x0),
            px(y0),
            px(x1),
            px(y0),
            px(x0),
            px(y0),
            px(x0),
            px(y1)
        );
        for k in 0..=ticks {
            let t = k as f64 / ticks as f64;
            let xv = f.x_range.0 + t * (f.x_range.1 - f.x_range.0);
            let yv = f.y_range.0 + t * (f.y_range.1 - f.y_range.0);
            let (xp, yp) = (f.x(xv), f.y(yv));
            self.text_px(xp, y0 + 14.0, "middle", "tick", &x_format(xv));
            self.text_px(x0 - 5.0, yp + 4.0, "end", "tick", &y_format(yv));
        }
        self.text_px(
            (x0 + x1) / 2.0,
            f.height - 6.0,
            "middle",
            "axis-title",
            x_title,
        );
        let _ = write!(
            self.out,
            r#"<text class="axis-title" transform="translate(12,{}) rotate(-90)" text-anchor="middle">{}</text>"#,
            px((y0 + y1) / 2.0),
            escape(y_title)
        );
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// Tick labels: a share as 0.0-1.0.
pub fn one_decimal(v: f64) -> String {
    format!("{v:.1}")
}

/// Tick labels: a whole count.
pub fn whole(v: f64) -> String {
    format!("{}", v.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_in_content_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let mut s = Svg::new(Frame::new(100.0, 80.0), "demo", "a <label>");
        s.text_px(1.0, 2.0, "start", "t", "x < y");
        let out = s.finish();
        assert!(out.contains(r#"aria-label="a &lt;label&gt;""#), "{out}");
        assert!(out.contains(">x &lt; y</text>") && out.ends_with("</svg>"));
    }

    #[test]
    fn the_frame_maps_the_ranges_to_the_plot_area() {
        let f = Frame::new(200.0, 100.0).with_ranges((0.0, 10.0), (0.0, 2.0));
        assert_eq!(f.x(0.0), f.left);
        assert_eq!(f.x(10.0), 200.0 - f.right);
        assert_eq!(f.y(0.0), 100.0 - f.bottom);
        assert_eq!(f.y(2.0), f.top);
        // An empty range is widened rather than dividing by zero.
        let flat = Frame::new(200.0, 100.0).with_ranges((3.0, 3.0), (0.0, 0.0));
        assert!(flat.x(3.0).is_finite() && flat.y(0.0).is_finite());
    }

    #[test]
    fn a_line_is_one_path_through_every_point() {
        let mut s = Svg::new(Frame::new(100.0, 100.0), "l", "l");
        s.line(&[(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)], "series");
        let out = s.finish();
        let d = out
            .split(r#"d=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(d.matches('L').count(), 2);
        assert!(d.starts_with('M'));
    }
}
