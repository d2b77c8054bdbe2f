"""Every top-level command, in the order `minutes --help` lists them: the order a clerk works in."""

from minutes.cli.audit_cmd import audit_group
from minutes.cli.consent_cmd import consent_group
from minutes.cli.export_cmd import export_cmd
from minutes.cli.extract_cmd import extract_cmd
from minutes.cli.meeting_cmd import attendance_cmd, meeting_group, participant_group, person_group
from minutes.cli.models_cmd import models_group
from minutes.cli.process_cmd import (
    attach_cmd,
    batch_cmd,
    demo_cmd,
    jobs_cmd,
    process_cmd,
    redraft_cmd,
    speakers_cmd,
    worker_cmd,
)
from minutes.cli.purge_cmd import purge_cmd
from minutes.cli.review_cmd import release_cmd, review_group
from minutes.cli.series_cmd import actions_cmd, body_group, matters_group, meeting_body
from minutes.cli.serve_cmd import serve_cmd, user_group
from minutes.cli.speech_cmd import diarise_cmd, transcribe_cmd
from minutes.cli.system_cmd import config_group, doctor

meeting_body(meeting_group)

ALL = [
    meeting_group,
    body_group,
    participant_group,
    attendance_cmd,
    person_group,
    consent_group,  # before the meeting
    process_cmd,
    attach_cmd,
    speakers_cmd,
    redraft_cmd,
    batch_cmd,
    worker_cmd,
    jobs_cmd,  # processing
    review_group,
    matters_group,
    release_cmd,
    export_cmd,
    actions_cmd,  # the human check and what people receive
    serve_cmd,
    user_group,  # the web app and its accounts
    transcribe_cmd,
    diarise_cmd,
    extract_cmd,  # single stages, storing nothing
    audit_group,
    purge_cmd,
    models_group,
    doctor,
    config_group,
    demo_cmd,  # housekeeping
]
