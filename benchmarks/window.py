"""The window's rows: the preview while uploads stall (the latency plot hidden, then shown), and
memory with the timeline open.

Each runs the real window (`gui.app.build`) in a child process on Qt's offscreen platform
(`benchmarks/window_app.py`, run by `benchmarks.child`), which reports what it measured as one
`RESULT {json}` line; this process stays Qt-free and hosts the stalling S3 endpoint.
"""

from __future__ import annotations

from typing import Any

from benchmarks.child import run_child
from benchmarks.harness import Bench, Context, Row
from benchmarks.slow_s3 import SlowS3

STALL_S = 5.0
PREVIEW_GOAL = 0.95
STALL_GOAL_MS = 20.0
GROWTH_GOAL_MB = 30.0
PREVIEW_ROW = "preview: frames shown/s, 1080p30, uploads stalled"
STALL_ROW = "preview: GUI thread's longest stall"
PLOT_PREVIEW_ROW = "preview + plot: frames shown/s, 1080p30, uploads stalled"
PLOT_STALL_ROW = "preview + plot: GUI thread's longest stall"
MEMORY_ROW = "memory: window RSS, timeline open"
MB = 1024 * 1024
APP = "benchmarks.window_app"  # the child


# -- preview while uploads stall ---------------------------------------------------------------


def run_preview(ctx: Context) -> list[Row]:
    return preview_bench(ctx, plot=False)


def run_preview_plot(ctx: Context) -> list[Row]:
    return preview_bench(ctx, plot=True)


def preview_bench(ctx: Context, plot: bool) -> list[Row]:
    seconds = ctx.scale.preview_seconds
    server = SlowS3(STALL_S).start()
    try:
        result = run_child(
            ctx,
            APP,
            "preview",
            [
                *("--seconds", str(seconds), "--bare-seconds", str(min(2.0, seconds / 3))),
                *("--warmup", "0.5", "--s3-endpoint", server.endpoint),
                *(["--plot"] if plot else []),
            ],
            on_result=server.release,
        )
    finally:
        server.stop()
    ctx.log(
        f"painted {result['painted']} of {result['produced']} frames in"
        f" {result['seconds']:.1f} s; worst GUI stall {result['worst_ms']:.1f} ms"
    )
    for line in stall_lines(result.get("stalls", [])):
        ctx.log(line)
    if plot:
        ctx.log(f"the latency plot shown, {result['plot']['drawn']} shots drawn")
    return preview_rows(result, server.received, plot)


def stall_lines(stalls: list[dict[str, Any]], longest: int = 3) -> list[str]:
    """The heartbeat's stalls over 20 ms, split by the GUI thread's scheduler statistics: in
    all, then the longest few with the other threads that ran on a CPU meanwhile."""
    if not stalls:
        return []
    total = {k: sum(s[k] for s in stalls) for k in ("span_ms", "gui_run_ms", "gui_wait_cpu_ms")}
    blocked = sum(s["gui_blocked_ms"] for s in stalls)
    lines = [
        f"{len(stalls)} stalls over 20 ms, {total['span_ms']:.0f} ms in all: the GUI thread on a"
        f" CPU {total['gui_run_ms']:.0f} ms, runnable but waiting for a CPU"
        f" {total['gui_wait_cpu_ms']:.0f} ms, blocked (lock, GIL, sleep) {blocked:.0f} ms"
    ]
    for s in stalls[:longest]:
        others = ", ".join(f"{name} {ms:g}" for name, ms in s["others"])
        painted = "; ".join(
            f"{name} {', '.join(f'{t:g}' for t in ts)}" for name, ts in s["paints"].items() if ts
        )
        lines.append(
            f"stall {s['span_ms']:.1f} ms: GUI on CPU {s['gui_run_ms']:.1f}, waiting for a CPU"
            f" {s['gui_wait_cpu_ms']:.1f}, blocked {s['gui_blocked_ms']:.1f}; other threads on"
            f" a CPU {s['others_run_ms']:.1f} ms ({others or 'none over 1 ms'}); paints in it,"
            f" ms: {painted or 'none'}"
        )
    return lines


def preview_rows(r: dict[str, Any], puts: int, plot: bool = False) -> list[Row]:
    shown, produced = r["painted"] / r["seconds"], r["produced"] / r["seconds"]
    width, height = r["preview_size"]
    stalled = (
        f"uploads stalled: every PUT answered after {STALL_S:g} s; during the"
        f" {r['seconds']:.1f} s measured, {r['shots']} shots taken, {r['uploads_done']} uploads"
        f" done, {r['uploads_pending']} on their way or queued ({puts} PUTs reached the endpoint"
        " in all)"
    )
    if plot:
        stalled += f"; the latency plot shown, {r['plot']['drawn']} shots drawn"
    else:
        stalled += "; the latency plot hidden"
    frames = Row(
        PLOT_PREVIEW_ROW if plot else PREVIEW_ROW,
        "fps",
        shown,
        produced,
        f"ratio >= {PREVIEW_GOAL}",
        produced > 0 and shown / produced >= PREVIEW_GOAL,
        (
            f"ours: distinct frames the preview painted ({r['painted']}); floor: frames the"
            f" 1920x1080 @ 30 fps test pattern produced ({r['produced']}), the same"
            f" {r['seconds']:.1f} s; preview {width}x{height}, offscreen",
            stalled,
        ),
    )
    bare = r["bare"]
    stall = Row(
        PLOT_STALL_ROW if plot else STALL_ROW,
        "ms",
        r["worst_ms"],
        bare["worst_ms"],
        f"<= {STALL_GOAL_MS:g} ms",
        r["worst_ms"] <= STALL_GOAL_MS,
        (
            f"ours: the worst lateness of a {5} ms heartbeat timer on the GUI thread while the"
            f" preview ran ({r['beats']} beats, {r['over_20ms']} later than 20 ms); floor: the"
            f" same heartbeat in the same process before the window was built ({bare['beats']}"
            " beats)",
            "GUI-thread paints meanwhile, ms: "
            + "; ".join(
                f"{name} {p['count']} paints, median {p['median']:.1f}, worst {p['max']:.1f},"
                f" {p['total'] / r['seconds'] / 10:.1f}% of the time"
                for name, p in r["paints"].items()
            )
            + "".join(
                f"; {name} {p['count']} calls, median {p['median']:.1f}, worst {p['max']:.1f}"
                for name, p in r.get("calls", {}).items()
            )
            + f"; garbage collections {r['gc']['count']}, the longest {r['gc']['worst_ms']:.1f}"
            f" ms (generation {r['gc']['generation']}); load average {r['load']:.2f} meanwhile",
        ),
    )
    return [frames, stall]


# -- memory over many shots --------------------------------------------------------------------


def run_memory(ctx: Context) -> list[Row]:
    shots = ctx.scale.memory_shots
    result = run_child(ctx, APP, "memory", ["--shots", str(shots)])
    first, last = result["samples"][0], result["samples"][-1]
    ctx.log(
        f"{last['shots']} shots in {result['seconds']:.1f} s; RSS {first['rss'] / MB:.1f} MB"
        f" after {first['shots']}, {last['rss'] / MB:.1f} MB after {last['shots']}"
    )
    return [memory_row(result)]


def memory_row(r: dict[str, Any]) -> Row:
    first, last = r["samples"][0], r["samples"][-1]
    growth = (last["rss"] - first["rss"]) / MB
    trail = "; ".join(
        f"{s['shots']}: {s['rss'] / MB:.1f} MB, {s['rows']} rows"
        + (f" (+{s['left_out']} in the journal only)" if s.get("left_out") else "")
        + f", {s['thumbnails']} thumbnails"
        for s in r["samples"]
    )
    summary = r["summary"]
    per_shot_kb = growth * 1024 / max(1, last["shots"] - first["shots"])
    return Row(
        MEMORY_ROW,
        "MB",
        last["rss"] / MB,
        first["rss"] / MB,
        f"growth < {GROWTH_GOAL_MB:g} MB",
        growth < GROWTH_GOAL_MB,
        (
            f"ours: RSS after {last['shots']} shots; floor: after the first {first['shots']};"
            f" growth {growth:+.1f} MB ({per_shot_kb:.1f} KB a shot); peak RSS"
            f" {r['hwm'] / MB:.1f} MB",
            "real session, 8 users a round, local storage, embedded webhook:"
            f" {summary.get('uploaded')} uploaded, {summary.get('notified')} notified, in"
            f" {r['seconds']:.0f} s; the timeline"
            f" paged through every row ({r['thumbnails_wanted']} thumbnails asked for)",
            f"by shots (RSS, model rows, thumbnails cached, at most {r['cache_limit']}): {trail}",
        ),
    )


PREVIEW = Bench(
    name="preview",
    title="the window's preview (1920x1080 @ 30 fps) while S3 uploads stall 5 s each",
    rows=(PREVIEW_ROW, STALL_ROW),
    run=run_preview,
    needs="gui",
)

PREVIEW_PLOT = Bench(
    name="preview-plot",
    title="the window's preview while S3 uploads stall, the latency plot shown (600 shots)",
    rows=(PLOT_PREVIEW_ROW, PLOT_STALL_ROW),
    run=run_preview_plot,
    needs="gui",
)

MEMORY = Bench(
    name="memory",
    title="the window's memory over many shots with the timeline open",
    rows=(MEMORY_ROW,),
    run=run_memory,
    needs="gui",
)
