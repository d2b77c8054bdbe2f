"""Every top-level command, in the order `minutes --help` lists them."""

from minutes.cli.models_cmd import models_group
from minutes.cli.system_cmd import config_group, doctor

ALL = [doctor, config_group, models_group]
