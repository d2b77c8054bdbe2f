"""Every top-level command, in the order `minutes --help` lists them."""

from minutes.cli.audit_cmd import audit_group
from minutes.cli.consent_cmd import consent_group
from minutes.cli.export_cmd import export_cmd
from minutes.cli.meeting_cmd import meeting_group, participant_group, person_group
from minutes.cli.models_cmd import models_group
from minutes.cli.purge_cmd import purge_cmd
from minutes.cli.review_cmd import release_cmd, review_group
from minutes.cli.system_cmd import config_group, doctor

ALL = [doctor, config_group, models_group, meeting_group, participant_group, person_group, consent_group]
ALL += [review_group, release_cmd, export_cmd, audit_group, purge_cmd]
from minutes.cli.extract_cmd import extract_cmd  # noqa: E402,I001
ALL += [extract_cmd]
from minutes.cli.process_cmd import attach_cmd, batch_cmd, demo_cmd, process_cmd, speakers_cmd  # noqa: E402,I001
ALL += [process_cmd, attach_cmd, speakers_cmd, batch_cmd, demo_cmd]
from minutes.cli.speech_cmd import diarise_cmd, transcribe_cmd  # noqa: E402,I001
ALL += [transcribe_cmd, diarise_cmd]
