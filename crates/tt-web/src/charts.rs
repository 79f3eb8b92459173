//! Server-rendered charts: line and bar charts laid out here (scales, ticks, points, bars) and
//! drawn by the `chart.html` template as SVG with a title, a legend and the data table beside
//! it, so they need no JavaScript, print well and read out to screen readers.

/// Plot area inside the SVG, in pixels.
const WIDTH: i64 = 640;
const HEIGHT: i64 = 260;
const LEFT: i64 = 56;
const RIGHT: i64 = 36;
const TOP: i64 = 16;
const BOTTOM: i64 = 48;

/// Distinct colours with at least 4.5:1 contrast on white.
const PALETTE: [&str; 6] = ["#1f4e79", "#a8440f", "#3b6b21", "#6a2c91", "#7a5c00", "#a3195b"];

/// A tick on an axis: its position and label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub position: i64,
    pub label: String,
}

/// One line: its name, colour and SVG points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub colour: &'static str,
    pub points: String,
    /// Each point's coordinates and value, for markers with a tooltip.
    pub markers: Vec<(i64, i64, String)>,
}

/// One bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub colour: &'static str,
    pub label: String,
}

/// A chart ready for the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub width: i64,
    pub height: i64,
    pub left: i64,
    pub bottom: i64,
    pub right: i64,
    pub top: i64,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub lines: Vec<Line>,
    pub bars: Vec<Bar>,
    /// The id of the figure's definition (`/definitions#id`), when it has one.
    pub definition: Option<&'static str>,
    /// The data table: a header and rows (the row label first).
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A round maximum for the y axis (1, 2 or 5 times a power of ten) at or above `value`.
fn nice_maximum(value: i64) -> i64 {
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            if step * factor * 4 >= value {
                return step * factor * 4;
            }
        }
        step *= 10;
    }
}

/// A value kept in hundredths (or another power of ten) written with its decimals.
fn scaled(value: i64, decimals: u32) -> String {
    if decimals == 0 {
        return value.to_string();
    }
    let unit = 10_i64.pow(decimals);
    let sign = if value < 0 { "-" } else { "" };
    let width = usize::try_from(decimals).unwrap_or(2);
    format!("{sign}{}.{:0width$}", value.abs() / unit, value.abs() % unit)
}

fn y_ticks(maximum: i64, decimals: u32) -> Vec<Tick> {
    (0..=4)
        .map(|index| {
            let value = maximum * index / 4;
            Tick { position: HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * index / 4, label: scaled(value, decimals) }
        })
        .collect()
}

fn y_of(value: i64, maximum: i64) -> i64 {
    HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / maximum.max(1)
}

impl Chart {
    fn frame(id: &str, title: &str, maximum: i64, decimals: u32) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            bottom: HEIGHT - BOTTOM,
            right: WIDTH - RIGHT,
            top: TOP,
            x_ticks: Vec::new(),
            y_ticks: y_ticks(maximum, decimals),
            lines: Vec::new(),
            bars: Vec::new(),
            definition: None,
            columns: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// A line per series over the categories (months, say).
    #[must_use]
    pub fn lines(id: &str, title: &str, categories: &[String], series: &[(String, Vec<i64>)]) -> Self {
        Self::scaled_lines(id, title, categories, series, 0)
    }

    /// Lines of values kept with `decimals` implied decimals (a rate in hundredths of a percent
    /// is 2), labelled with them.
    #[must_use]
    pub fn scaled_lines(
        id: &str,
        title: &str,
        categories: &[String],
        series: &[(String, Vec<i64>)],
        decimals: u32,
    ) -> Self {
        let maximum = nice_maximum(series.iter().flat_map(|(_, values)| values.iter().copied()).max().unwrap_or(0));
        let mut chart = Self::frame(id, title, maximum, decimals);
        let count = i64::try_from(categories.len()).unwrap_or(1).max(1);
        let span = WIDTH - LEFT - RIGHT;
        let x_of = |index: usize| LEFT + span * i64::try_from(index).unwrap_or(0) / (count - 1).max(1);
        chart.x_ticks = categories
            .iter()
            .enumerate()
            .map(|(index, label)| Tick { position: x_of(index), label: label.clone() })
            .collect();
        chart.lines = series
            .iter()
            .enumerate()
            .map(|(index, (name, values))| {
                let markers: Vec<(i64, i64, String)> = values
                    .iter()
                    .enumerate()
                    .map(|(at, value)| {
                        (x_of(at), y_of(*value, maximum), format!("{name}, {}: {value}", categories[at]))
                    })
                    .collect();
                Line {
                    name: name.clone(),
                    colour: PALETTE[index % PALETTE.len()],
                    points: markers.iter().map(|(x, y, _)| format!("{x},{y}")).collect::<Vec<_>>().join(" "),
                    markers,
                }
            })
            .collect();
        chart.columns = std::iter::once(String::new()).chain(series.iter().map(|(name, _)| name.clone())).collect();
        chart.rows = categories
            .iter()
            .enumerate()
            .map(|(index, category)| {
                std::iter::once(category.clone())
                    .chain(
                        series.iter().map(|(_, values)| values.get(index).map_or(String::new(), ToString::to_string)),
                    )
                    .collect()
            })
            .collect();
        chart
    }

    /// Names the first column of the data table (what the categories are).
    #[must_use]
    pub fn with_category_name(mut self, name: &str) -> Self {
        if let Some(first) = self.columns.first_mut() {
            *first = name.to_owned();
        }
        self
    }

    /// Links the chart's title to the definition of what it shows.
    #[must_use]
    pub const fn with_definition(mut self, id: &'static str) -> Self {
        self.definition = Some(id);
        self
    }

    /// One bar per category.
    #[must_use]
    pub fn bars(id: &str, title: &str, value_name: &str, values: &[(String, i64)]) -> Self {
        let maximum = nice_maximum(values.iter().map(|(_, value)| *value).max().unwrap_or(0));
        let mut chart = Self::frame(id, title, maximum, 0);
        let count = i64::try_from(values.len()).unwrap_or(1).max(1);
        let slot = (WIDTH - LEFT - RIGHT) / count;
        chart.bars = values
            .iter()
            .enumerate()
            .map(|(index, (label, value))| {
                let x = LEFT + slot * i64::try_from(index).unwrap_or(0) + slot / 6;
                let y = y_of(*value, maximum);
                Bar {
                    x,
                    y,
                    width: (slot * 2 / 3).max(1),
                    height: HEIGHT - BOTTOM - y,
                    colour: PALETTE[0],
                    label: format!("{label}: {value}"),
                }
            })
            .collect();
        // Long names are cut on the axis so they do not overlap; each bar's title and the data
        // table carry them whole.
        let room = usize::try_from(slot / 7).unwrap_or(4).max(4);
        chart.x_ticks = values
            .iter()
            .enumerate()
            .map(|(index, (label, _))| Tick {
                position: LEFT + slot * i64::try_from(index).unwrap_or(0) + slot / 2,
                label: if label.chars().count() > room {
                    format!("{}…", label.chars().take(room - 1).collect::<String>())
                } else {
                    label.clone()
                },
            })
            .collect();
        chart.columns = vec![String::new(), value_name.to_owned()];
        chart.rows = values.iter().map(|(label, value)| vec![label.clone(), value.to_string()]).collect();
        chart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_values_are_written_with_their_decimals() {
        assert_eq!([scaled(250, 2), scaled(5, 2), scaled(-105, 2), scaled(7, 0)], ["2.50", "0.05", "-1.05", "7"]);
    }

    #[test]
    fn the_y_axis_ends_on_a_round_number_at_or_above_the_largest_value() {
        assert_eq!([0, 3, 4, 5, 9, 41, 1_234].map(nice_maximum), [4, 4, 4, 8, 20, 80, 2_000]);
    }

    #[test]
    fn a_line_chart_places_its_points_inside_the_plot_and_keeps_the_data_as_a_table() {
        let chart = Chart::lines(
            "members",
            "Members",
            &["2026-01".to_owned(), "2026-02".to_owned(), "2026-03".to_owned()],
            &[("Tier II".to_owned(), vec![0, 4, 8])],
        );
        assert_eq!(chart.lines[0].points, "56,212 330,114 604,16");
        assert_eq!(chart.rows[2], ["2026-03", "8"]);
        assert_eq!(chart.y_ticks.last().map(|tick| tick.label.as_str()), Some("8"));
    }
}
