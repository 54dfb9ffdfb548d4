//! The pacer's tests on tokio's paused clock: the bound per period, making up a stall, even
//! pacing, and resuming an earlier run's pace.

use std::num::NonZeroU32;

use super::*;

fn rate(count: u32, per_ms: u64) -> RateLimit {
    RateLimit {
        count: NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN),
        per: Duration::from_millis(per_ms),
    }
}

/// Sends `n` calls through the pacer and its gate as the sender does, with a stall of
/// `stall` (the database, a pause) before call `stall_at`; returns when each call left.
async fn departures(pacer: &mut Pacer, n: usize, stall_at: usize, stall: Duration) -> Vec<Instant> {
    let mut set = JoinSet::new();
    for i in 0..n {
        pacer.wait().await;
        let gate = pacer.gate();
        // The journal write before the gate: the stalled one holds the calls behind it.
        let hold = if i == stall_at { stall } else { Duration::ZERO };
        set.spawn(async move {
            tokio::time::sleep(hold).await;
            gate.await;
            Instant::now()
        });
        if i == stall_at {
            tokio::time::sleep(stall).await;
        }
    }
    let mut out = set.join_all().await;
    out.sort();
    out
}

/// The most calls any window of `period` holds.
fn busiest(times: &[Instant], period: Duration) -> usize {
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t - times[i] < period)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn one_message_calls_never_exceed_the_limit_in_any_period_and_make_up_a_stall() {
    let mut pacer = Pacer::new(rate(30, 1000), 2, 1);
    let start = Instant::now();
    let times = departures(&mut pacer, 600, 100, Duration::from_millis(100)).await;
    assert_eq!(times.len(), 600);
    assert!(busiest(&times, Duration::from_secs(1)) <= 30);
    // A platform measuring over 95 % of the period still sees one call of room.
    assert!(busiest(&times, Duration::from_millis(950)) <= 29);
    let least = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .unwrap_or_default();
    // Timers fire on whole milliseconds: 33 or 34 ms apart, 33.7 on average.
    assert!(least >= Duration::from_millis(33), "{least:?}");
    // 599 intervals at 98 % of 30/s take 20.38 s: the 100 ms stall was made up (at about
    // a third of a millisecond per call).
    let took = *times.last().unwrap_or(&start) - start;
    assert!(took <= Duration::from_millis(20_400), "{took:?}");
    assert!(took >= Duration::from_millis(20_300), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn without_a_stall_calls_leave_evenly_at_the_rate_under_the_headroom() {
    let mut pacer = Pacer::new(rate(30, 1000), 2, 1);
    let times = departures(&mut pacer, 61, usize::MAX, Duration::ZERO).await;
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let interval = Duration::from_secs(1).div_f64(30.0 * 0.98);
    for g in &gaps {
        assert!(g.abs_diff(interval) < Duration::from_millis(1), "{g:?}");
    }
}

/// How many calls the pacer lets go without the clock moving.
async fn at_once(pacer: &mut Pacer) -> usize {
    let start = Instant::now();
    let mut n = 0;
    loop {
        pacer.wait().await;
        if Instant::now() > start {
            return n;
        }
        n += 1;
    }
}

#[tokio::test(start_paused = true)]
async fn a_restart_continues_the_earlier_runs_pace_within_the_same_bounds() {
    // Viber: 20.4 ms per call; the earlier run's last call was 100 ms ago, so about four
    // calls are due now (the restart's time is made up, not lost).
    let mut pacer = Pacer::new(rate(500, 10_000), 2, 300);
    pacer.resume(now_ms() - 100);
    assert!((4..=5).contains(&at_once(&mut pacer).await));
    // An earlier run long gone: the call due now and at most the headroom's nine made up,
    // as after a stall.
    let mut pacer = Pacer::new(rate(500, 10_000), 2, 300);
    pacer.resume(now_ms() - 3_600_000);
    assert_eq!(at_once(&mut pacer).await, 10);
    // Without one, a new run starts its own pace: one call, then the interval.
    let mut pacer = Pacer::new(rate(500, 10_000), 2, 300);
    assert_eq!(at_once(&mut pacer).await, 1);
}

#[tokio::test(start_paused = true)]
async fn batches_are_not_gated_and_make_up_only_the_headroom() {
    // Viber: 500 calls per 10 s, 300 recipients each.
    let pacer = Pacer::new(rate(500, 10_000), 2, 300);
    assert!(pacer.gap.is_none());
    // 2 % of 500 is 10 spare calls: up to 9 made up at once.
    assert_eq!(pacer.catch_up, pacer.interval.mul_f64(9.0));
    let mut pacer = Pacer::new(rate(500, 10_000), 2, 300);
    let times = departures(&mut pacer, 1_200, 300, Duration::from_secs(2)).await;
    assert!(busiest(&times, Duration::from_secs(10)) <= 500);
    // Paid Telegram broadcasts: 1 000/s is too fast to gate.
    assert!(Pacer::new(rate(1_000, 1_000), 2, 1).gap.is_none());
}
