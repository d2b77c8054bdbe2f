"""Every top-level command, in the order `minutes --help` lists them."""

from minutes.cli.models_cmd import models_group

ALL = [models_group]
