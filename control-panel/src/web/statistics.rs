//! The statistics page, its JSON and its Excel export.

use super::*;

pub(super) struct StatsParams {
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    pub(super) granularity: Granularity,
    pub(super) messenger: Option<String>,
}

pub(super) fn stats_params(
    ctx: &Ctx,
    today: NaiveDate,
    q: &BTreeMap<String, String>,
) -> Result<StatsParams, WebError> {
    let date = |k: &str, default: NaiveDate| -> Result<NaiveDate, WebError> {
        match q.get(k).map(String::as_str).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| ctx.bad(format!("{k}: expected YYYY-MM-DD"))),
        }
    };
    let to = date("to", today)?;
    let from = date("from", to - Duration::days(29))?;
    if from > to || (to - from).num_days() >= stats::MAX_PERIOD_DAYS {
        return Err(ctx.bad(format!(
            "period: from <= to, at most {} days",
            stats::MAX_PERIOD_DAYS
        )));
    }
    let granularity = match q.get("granularity").map(String::as_str) {
        None | Some("") => Granularity::Day,
        Some(g) => Granularity::parse(g).ok_or_else(|| ctx.bad("granularity: day|week|month"))?,
    };
    let messenger = q
        .get("messenger")
        .filter(|m| !m.is_empty() && m.as_str() != "all")
        .cloned();
    Ok(StatsParams {
        from,
        to,
        granularity,
        messenger,
    })
}

pub(super) async fn load_report(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    q: &BTreeMap<String, String>,
) -> Result<(BotInfo, StatsReport), WebError> {
    let info = bot_info(s, ctx, bot).await?;
    let p = stats_params(ctx, now(s).date_naive(), q)?;
    let raw = s
        .backend
        .stats(bot, p.from, p.to)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    Ok((
        info,
        stats::aggregate(
            bot,
            &raw,
            p.from,
            p.to,
            p.granularity,
            p.messenger.as_deref(),
        ),
    ))
}

pub(super) fn report_query(r: &StatsReport) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("from", &r.from.to_string())
        .append_pair("to", &r.to.to_string())
        .append_pair("granularity", r.granularity.as_str());
    if let Some(m) = &r.messenger {
        q.append_pair("messenger", m);
    }
    q.finish()
}

pub(super) async fn stats_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let (info, report) = load_report(&s, &ctx, &bot, &q).await?;
    if ctx.api {
        return Ok(json_ok(&report));
    }
    let l = ctx.lang;
    let labels: Vec<String> = report
        .series
        .iter()
        .map(|b| stats::bucket_label(report.granularity, b.start))
        .collect();
    let subs_chart = stats::bar_chart(
        l.t("Нові підписники", "Новые подписчики", "New subscribers"),
        &labels,
        &[Series {
            name: l.t("нові", "новые", "new"),
            color: "#2f6fde",
            values: report.series.iter().map(|b| b.new_subscribers).collect(),
        }],
    );
    let msg_chart = stats::bar_chart(
        l.t("Повідомлення", "Сообщения", "Messages"),
        &labels,
        &[
            Series {
                name: l.t("вхідні", "входящие", "in"),
                color: "#1f9d55",
                values: report.series.iter().map(|b| b.messages_in).collect(),
            },
            Series {
                name: l.t("вихідні", "исходящие", "out"),
                color: "#e0a800",
                values: report.series.iter().map(|b| b.messages_out).collect(),
            },
        ],
    );
    let th = stats::totals_headers(l);
    let fh = stats::figure_headers(l);
    let g_name = |g: Granularity| match g {
        Granularity::Day => l.t("день", "день", "day"),
        Granularity::Week => l.t("тиждень", "неделя", "week"),
        Granularity::Month => l.t("місяць", "месяц", "month"),
    };
    let body = html! {
        (bot_tabs(l, &info, "stats"))
        form.filters method="get" #stats-form {
            label { (l.t("З", "С", "From")) input type="date" name="from" value=(report.from); }
            label { (l.t("По", "По", "To")) input type="date" name="to" value=(report.to); }
            label { (l.t("Групувати по", "Группировать по", "Group by"))
                select name="granularity" {
                    @for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
                        option value=(g.as_str()) selected[g == report.granularity] { (g_name(g)) }
                    }
                }
            }
            label { (fh[1])
                select name="messenger" {
                    option value="all" { (l.t("усі", "все", "all")) }
                    @for m in &info.messengers {
                        option value=(m) selected[report.messenger.as_deref() == Some(m.as_str())] { (m) }
                    }
                }
            }
            button type="submit" { (l.t("Показати", "Показать", "Show")) }
            a.button #xlsx href={ "/bots/" (info.id) "/stats.xlsx?" (report_query(&report)) } { "Excel (.xlsx)" }
        }
        table #totals {
            thead { tr { @for h in th { th { (h) } } } }
            tbody {
                @for t in &report.totals {
                    tr data-messenger=(t.messenger) {
                        td { @if t.messenger == "all" { b { (l.t("усього", "всего", "total")) } } @else { (t.messenger) } }
                        td.num { (t.total) } td.num { (t.active) } td.num { (t.blocked) }
                    }
                }
            }
        }
        div.charts { (subs_chart) (msg_chart) }
        details {
            summary { (l.t("Таблиця", "Таблица", "Table")) }
            table #figures {
                thead { tr { @for h in fh { th { (h) } } } }
                tbody {
                    @for b in &report.series {
                        tr {
                            td { (stats::bucket_label(report.granularity, b.start)) }
                            td { (l.t("усі", "все", "all")) }
                            td.num { (b.new_subscribers) } td.num { (b.messages_in) } td.num { (b.messages_out) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!(
            "{} · {}",
            info.name,
            l.t("Статистика", "Статистика", "Statistics")
        ),
        body,
    ))
}

pub(super) async fn stats_xlsx(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let (_, report) = load_report(&s, &ctx, &bot, &q).await?;
    let bytes = stats::to_xlsx(&report, ctx.lang).map_err(|e| {
        tracing::error!(error = %e, "xlsx export failed");
        WebError::new(
            ctx.e(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "export failed".into(),
        )
    })?;
    let name: String = bot
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    let disposition = format!(
        "attachment; filename=\"stats-{name}-{}-{}.xlsx\"",
        report.from, report.to
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
