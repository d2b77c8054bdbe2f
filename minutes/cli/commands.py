"""Every top-level command, in the order `minutes --help` lists them."""

from minutes.cli.consent_cmd import consent_group
from minutes.cli.meeting_cmd import meeting_group, participant_group, person_group
from minutes.cli.models_cmd import models_group
from minutes.cli.system_cmd import config_group, doctor

ALL = [doctor, config_group, models_group, meeting_group, participant_group, person_group, consent_group]
