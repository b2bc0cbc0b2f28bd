"""funnelcli: a command-line sales pipeline tracker."""

__version__ = "0.1.0"
