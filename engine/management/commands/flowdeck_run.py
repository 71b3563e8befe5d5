"""The run services from the command line (the same calls the console makes)."""
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from engine.errors import EngineError
from engine.models import RunEvent, WorkflowRun
from engine.services import actions, runs

# CLI spelling -> engine/policy.py action
ACTIONS = {"cancel": "cancel", "signal": "signal", "compensate": "compensate", "retry": "retry",
           "retry-step": "retry_step", "force-retry": "force_retry", "skip": "skip", "edit-data": "edit_data"}


def _json(text):
    try:
        return json.loads(text) if text is not None else None
    except ValueError as exc:
        raise CommandError(f"not JSON: {exc}")


class Command(BaseCommand):
    help = "start | show | " + " | ".join(ACTIONS)

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "show", *ACTIONS])
        parser.add_argument("target", help="definition key (start) or run id")
        parser.add_argument("--input", help="JSON input (start), payload (signal), output (skip), data (edit-data)")
        parser.add_argument("--business-key")
        parser.add_argument("--node", help="node id (retry-step, force-retry, skip)")
        parser.add_argument("--kind", choices=["node", "compensation"], help="the node's step or its compensation")
        parser.add_argument("--signal", help="signal name")
        parser.add_argument("--signal-id", help="the sender's id for the signal: a repeated one is ignored")
        parser.add_argument("--user", help="acting username (audited)")
        parser.add_argument("--reason", default="", help="why (audited; required for every action on a run)")

    def handle(self, *args, action, target, input=None, business_key=None, node=None, kind=None, signal=None,
               signal_id=None, user=None, reason="", **options):
        actor = get_user_model().objects.filter(username=user).first() if user else None
        if user and actor is None:
            raise CommandError(f"no user {user!r}")
        common = {"user": actor, "reason": reason}
        try:
            if action == "start":
                run, created = runs.run_start(definition_key=target, input=_json(input) or {},
                                              business_key=business_key, **common)
                self.stdout.write(f"{run.id} {'started' if created else 'exists'} ({run.status})")
                return
            if action == "show":
                run = WorkflowRun.objects.filter(pk=target).first()
                if run is None:
                    raise CommandError(f"no run {target}")
                self.stdout.write(f"{run.id} {run.status} stuck={run.stuck} {run.stuck_reason}")
                for e in RunEvent.objects.filter(run=run).order_by("seq"):
                    self.stdout.write(f"  {e.seq:4d} {e.created_at:%H:%M:%S.%f} {e.type:24s} {e.node_id:16s} "
                                      f"{e.actor} {e.reason}")
                return
            data = _json(input)
            run = actions.run_act(run_id=target, action=ACTIONS[action], node_id=node, kind=kind, signal=signal,
                                  signal_id=signal_id, payload=data, output=data, data=data, **common)
            self.stdout.write(f"{run.id} {run.status}")
        except EngineError as exc:
            raise CommandError(f"{exc.code}: {exc}")
