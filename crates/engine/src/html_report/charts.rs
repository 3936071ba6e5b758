//! The report's charts as inline SVG: ROC curve, reliability diagram,
//! predicted-probability histograms per class, and mean contributions per
//! feature. Every chart draws its data as `<path>`s (or `<rect>`s for
//! bars) with class `series`, which the browser test checks.

use super::curves::Bin;
use super::svg::{one_decimal, whole, Frame, Svg};

const SIZE: (f64, f64) = (320.0, 260.0);

/// One model's series in a chart that can compare two.
pub struct Series<'a, T> {
    pub label: &'a str,
    pub data: &'a T,
}

/// Classes of the first (the model just trained) and second (the deployed) series.
const SERIES_CLASSES: [&str; 2] = ["series current", "series previous"];

/// The legend of a chart comparing models.
fn series_legend<T>(svg: &mut Svg, series: &[Series<T>]) {
    let labels: Vec<(&str, &str)> = series
        .iter()
        .zip(["current", "previous"])
        .map(|(s, c)| (s.label, c))
        .collect();
    legend(svg, &labels);
}

fn legend(svg: &mut Svg, labels: &[(&str, &str)]) {
    let f = *svg.frame();
    for (i, (label, class)) in labels.iter().enumerate() {
        let y = f.top + 12.0 + 14.0 * i as f64;
        let x = f.width - f.right - 110.0;
        svg.text_px(
            x,
            y,
            "start",
            &format!("legend {class}"),
            &format!("— {label}"),
        );
    }
}

pub fn roc(series: &[Series<Vec<(f64, f64)>>]) -> String {
    let mut svg = Svg::new(Frame::new(SIZE.0, SIZE.1), "roc", "ROC curve");
    svg.axes(
        5,
        "false-positive rate",
        "true-positive rate",
        one_decimal,
        one_decimal,
    );
    svg.line(&[(0.0, 0.0), (1.0, 1.0)], "reference");
    for (s, class) in series.iter().zip(SERIES_CLASSES) {
        svg.line(s.data, class);
    }
    series_legend(&mut svg, series);
    svg.finish()
}

pub fn reliability(series: &[Series<Vec<Bin>>]) -> String {
    let mut svg = Svg::new(
        Frame::new(SIZE.0, SIZE.1),
        "reliability",
        "Reliability diagram",
    );
    svg.axes(
        5,
        "mean predicted probability",
        "observed failure rate",
        one_decimal,
        one_decimal,
    );
    svg.line(&[(0.0, 0.0), (1.0, 1.0)], "reference");
    // Bin counts of the first series as bars along the bottom (up to 15 % of the height).
    if let Some(first) = series.first() {
        let most = first.data.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
        for b in first.data.iter() {
            let h = 0.15 * b.count as f64 / most;
            let title = format!(
                "{:.1}-{:.1}: {} rows, predicted {:.3}, observed {:.3}",
                b.lower, b.upper, b.count, b.mean_predicted, b.observed_rate
            );
            svg.rect(
                b.lower + 0.01,
                0.0,
                b.upper - 0.01,
                h,
                "series count",
                &title,
            );
        }
    }
    for (s, class) in series.iter().zip(SERIES_CLASSES) {
        let points: Vec<(f64, f64)> = s
            .data
            .iter()
            .map(|b| (b.mean_predicted, b.observed_rate))
            .collect();
        svg.line(&points, class);
        for b in s.data.iter() {
            svg.dot(
                b.mean_predicted,
                b.observed_rate,
                3.0,
                class,
                &format!(
                    "{} rows: predicted {:.3}, observed {:.3}",
                    b.count, b.mean_predicted, b.observed_rate
                ),
            );
        }
    }
    series_legend(&mut svg, series);
    svg.finish()
}

/// Step outline of a histogram over [0, 1] with `counts.len()` bins.
fn steps(counts: &[usize]) -> Vec<(f64, f64)> {
    let bins = counts.len() as f64;
    let mut points = vec![(0.0, 0.0)];
    for (i, c) in counts.iter().enumerate() {
        let (a, b) = (i as f64 / bins, (i + 1) as f64 / bins);
        points.push((a, *c as f64));
        points.push((b, *c as f64));
    }
    points.push((1.0, 0.0));
    points
}

pub fn histogram(failed: &[usize], succeeded: &[usize]) -> String {
    let most = failed
        .iter()
        .chain(succeeded)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let frame = Frame::new(SIZE.0, SIZE.1).with_ranges((0.0, 1.0), (0.0, most));
    let mut svg = Svg::new(frame, "histogram", "Predicted probability by outcome");
    svg.axes(
        5,
        "predicted failure probability",
        "runs",
        one_decimal,
        whole,
    );
    svg.line(&steps(succeeded), "series succeeded");
    svg.line(&steps(failed), "series failed");
    legend(
        &mut svg,
        &[("succeeded", "succeeded"), ("failed", "failed")],
    );
    svg.finish()
}

/// A feature's mean |contribution| over the evaluated rows and its mean
/// signed contribution over the failed ones (log-odds).
pub struct FeatureEffect<'a> {
    pub feature: &'a str,
    pub mean_abs: f64,
    pub mean_signed: f64,
}

/// Horizontal bars of mean |contribution|, largest first, coloured by the
/// sign of the mean signed contribution over the failed runs.
pub fn contributions(effects: &[FeatureEffect]) -> String {
    const ROW: f64 = 18.0;
    let shown = &effects[..effects.len().min(15)];
    let most = shown
        .iter()
        .map(|e| e.mean_abs)
        .fold(0.0, f64::max)
        .max(1e-12);
    let height = 52.0 + ROW * shown.len().max(1) as f64;
    let mut frame = Frame::new(SIZE.0 + 120.0, height)
        .with_ranges((0.0, most), (0.0, shown.len().max(1) as f64));
    frame.left = 150.0;
    let mut svg = Svg::new(
        frame,
        "contributions",
        "Mean absolute contribution per feature",
    );
    svg.axes(
        4,
        "mean |contribution| (log-odds)",
        "",
        |v| format!("{v:.2}"),
        |_| String::new(),
    );
    let n = shown.len() as f64;
    for (i, e) in shown.iter().enumerate() {
        let top = n - i as f64;
        let class = if e.mean_signed >= 0.0 {
            "series raises"
        } else {
            "series lowers"
        };
        let title = format!(
            "{}: mean |contribution| {:.4}, mean signed {:+.4}",
            e.feature, e.mean_abs, e.mean_signed
        );
        svg.rect(0.0, top - 0.8, e.mean_abs, top - 0.2, class, &title);
        let y = svg.frame().y(top - 0.5) + 4.0;
        svg.text_px(svg.frame().left - 6.0, y, "end", "feature", e.feature);
    }
    svg.finish()
}

/// One bar of the drift chart: a feature's (or the score's) PSI.
pub struct PsiBar<'a> {
    pub name: &'a str,
    pub psi: f64,
}

/// Horizontal bars of PSI, in the order given, coloured by band (below
/// `moderate` stable, below `major` moderate, else major), with dashed
/// lines at both limits.
pub fn psi(bars: &[PsiBar], moderate: f64, major: f64) -> String {
    const ROW: f64 = 18.0;
    let shown = &bars[..bars.len().min(20)];
    let most = shown
        .iter()
        .map(|b| b.psi)
        .filter(|p| p.is_finite())
        .fold(major * 1.2, f64::max);
    let rows = shown.len().max(1) as f64;
    let mut frame =
        Frame::new(SIZE.0 + 120.0, 52.0 + ROW * rows).with_ranges((0.0, most), (0.0, rows));
    frame.left = 150.0;
    let mut svg = Svg::new(frame, "psi", "Population stability index per feature");
    svg.axes(
        4,
        "PSI against the reference",
        "",
        |v| format!("{v:.2}"),
        |_| String::new(),
    );
    for limit in [moderate, major] {
        svg.line(&[(limit, 0.0), (limit, rows)], "limit");
    }
    let n = shown.len() as f64;
    for (i, b) in shown.iter().enumerate() {
        let top = n - i as f64;
        let value = if b.psi.is_finite() {
            b.psi.max(0.0)
        } else {
            0.0
        };
        let band = if value >= major {
            "series major"
        } else if value >= moderate {
            "series moderate"
        } else {
            "series stable"
        };
        // A PSI of about 0 still gets a sliver, so every bar is drawn.
        let width = value.max(most * 0.004);
        svg.rect(
            0.0,
            top - 0.8,
            width,
            top - 0.2,
            band,
            &format!("{}: PSI {value:.4}", b.name),
        );
        let y = svg.frame().y(top - 0.5) + 4.0;
        svg.text_px(svg.frame().left - 6.0, y, "end", "feature", b.name);
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(svg: &str) -> Vec<&str> {
        svg.split(r#"<path class="series"#).skip(1).collect()
    }

    #[test]
    fn every_chart_draws_its_series() {
        let roc_points = vec![(0.0, 0.0), (0.2, 0.6), (1.0, 1.0)];
        let svg = roc(&[
            Series {
                label: "new",
                data: &roc_points,
            },
            Series {
                label: "old",
                data: &roc_points,
            },
        ]);
        assert_eq!(paths(&svg).len(), 2);
        assert!(svg.contains(r#"data-plot="roc""#));
        let bins = vec![Bin {
            lower: 0.0,
            upper: 0.1,
            count: 9,
            mean_predicted: 0.05,
            observed_rate: 0.1,
        }];
        let svg = reliability(&[Series {
            label: "new",
            data: &bins,
        }]);
        assert_eq!(paths(&svg).len(), 1);
        assert!(svg.contains("9 rows"));
        let svg = histogram(&[0, 3, 5], &[7, 1, 0]);
        assert_eq!(paths(&svg).len(), 2);
        let svg = contributions(&[
            FeatureEffect {
                feature: "micPermission",
                mean_abs: 0.8,
                mean_signed: 0.3,
            },
            FeatureEffect {
                feature: "<b>",
                mean_abs: 0.1,
                mean_signed: -0.1,
            },
        ]);
        assert!(svg.contains("series raises") && svg.contains("series lowers"));
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
    }

    #[test]
    fn the_drift_chart_colours_each_bar_by_its_band() {
        let svg = psi(
            &[
                PsiBar {
                    name: "score",
                    psi: 0.4,
                },
                PsiBar {
                    name: "a",
                    psi: 0.15,
                },
                PsiBar {
                    name: "b",
                    psi: 0.0,
                },
                PsiBar {
                    name: "c",
                    psi: f64::NAN,
                },
            ],
            0.1,
            0.25,
        );
        assert!(svg.contains(r#"data-plot="psi""#));
        for band in ["series major", "series moderate", "series stable"] {
            assert!(svg.contains(band), "{band}");
        }
        assert_eq!(svg.matches("<rect").count(), 4);
        assert_eq!(svg.matches(r#"class="limit""#).count(), 2);
        assert!(!svg.contains("NaN") && svg.contains("c: PSI 0.0000"));
    }
}
