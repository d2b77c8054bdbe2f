"""`minutes purge [--dry-run] [--json]`."""

from __future__ import annotations

import click

from minutes.cli.app import App, emit_json, json_option, pass_app


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Report what would be removed; change nothing.")
@click.option("--by", default="minutes", show_default=True, help="Who runs the purge (audit log).")
@json_option
@pass_app
def purge_cmd(app: App, dry_run: bool, by: str, as_json: bool) -> None:
    """Apply the retention policy: delete audio and transcripts N days after release; released minutes stay.
    Recordings waiting to be stored for a meeting whose participants do not all consent to recording go too."""
    from minutes.service import retention

    report = retention.purge(app.ctx(), by, dry_run=dry_run)
    if as_json:
        emit_json(report.to_json())
        return
    verb = "would remove" if dry_run else "removed"
    policy = app.settings.retention
    click.echo(
        f"policy: audio {policy.audio_days_after_release} days, transcripts "
        f"{policy.transcript_days_after_release} days after release"
    )
    for a in report.audio:
        click.echo(f"{verb} audio of recording {a.recording_id} (meeting {a.meeting_id}): {a.path}")
    for t in report.transcripts:
        click.echo(
            f"{verb} transcript {t.transcript_id} (meeting {t.meeting_id}): {t.segments} segments, "
            f"{t.words} words"
        )
    for e in report.transcript_exports:
        click.echo(f"{verb} transcript export {e.export_id}: {e.path}")
    for path in report.held_recordings:
        click.echo(f"{verb} a recording waiting to be stored without everyone's record consent: {path}")
    for path in report.exports_need_attention:
        click.echo(f"check by hand: {path} changed since it was exported, so it was not deleted")
    click.echo(
        f"{verb} {report.voice_centroids} voice centroids, {report.voice_enrolments} voice enrolments, "
        f"{report.speaker_turns} speaker turns"
    )
