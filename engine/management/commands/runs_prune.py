"""``manage.py runs_prune``: archive, then delete, the runs past their retention (docs/operating-retention.md).

The scheduler does the same daily from FLOWDECK_RETENTION_AT; this is for a first clean-up, a backlog,
or a look at what is due (``--dry-run``). Safe beside the scheduler and another prune: each batch
locks its runs with SKIP LOCKED."""
from django.core.management.base import BaseCommand, CommandError

from engine.errors import InvalidInput
from engine.selectors.retention import retention_counts
from engine.services.retention import archive_target, runs_prune


class Command(BaseCommand):
    help = "Archive and delete terminal runs older than their definition's retention."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what is due, delete nothing")
        parser.add_argument("--older-than-days", type=int, default=None,
                            help="days instead of FLOWDECK_RETENTION_DAYS for definitions without their own")
        parser.add_argument("--batch", type=int, default=None, help="top-level runs per transaction "
                                                                     "(default FLOWDECK_RETENTION_BATCH)")
        parser.add_argument("--max-batches", type=int, default=None, help="stop after this many batches")
        parser.add_argument("--archive-url", default=None,
                            help="a directory or file:// URL instead of FLOWDECK_ARCHIVE_URL ('' for none)")
        parser.add_argument("--pause", type=float, default=None,
                            help="seconds between batches (default FLOWDECK_RETENTION_PAUSE)")

    def handle(self, *args, dry_run=False, older_than_days=None, batch=None, max_batches=None, archive_url=None,
               pause=None, **options):
        if batch is not None and batch < 1:
            raise CommandError("--batch must be at least 1")
        if older_than_days is not None and older_than_days < 1:
            raise CommandError("--older-than-days must be at least 1")
        try:
            directory = archive_target(archive_url)
            if dry_run:
                return self._dry_run(older_than_days)
            self.stdout.write(f"archive: {directory or 'none (runs are deleted without an archive)'}")
            verbose = options.get("verbosity", 1) > 1
            done = runs_prune(older_than_days=older_than_days, batch=batch, max_batches=max_batches,
                              archive_url=archive_url, pause=pause,
                              on_batch=(lambda one: self.stdout.write(self._batch_line(one))) if verbose else None)
        except InvalidInput as exc:
            raise CommandError(str(exc))
        counts = done.counts
        self.stdout.write(f"pruned {done.roots} runs ({counts.get('runs', 0)} with their child runs), "
                          f"{counts.get('steps', 0)} steps, {counts.get('events', 0)} events in {done.batches} "
                          f"batches; {len(done.archives)} archive files"
                          + (f"; {done.skipped} runs left alone (see the log)" if done.skipped else ""))

    @staticmethod
    def _batch_line(one) -> str:
        archive = f" -> {one.archive}" if one.archive else ""
        return f"  {one.roots} runs, {one.counts.get('events', 0)} events{archive}"

    def _dry_run(self, older_than_days):
        rows = retention_counts(older_than_days=older_than_days)
        total = {"runs": 0, "child_runs": 0, "steps": 0, "events": 0}
        for row in rows:
            self.stdout.write(f"{row['definition']}: kept {row['kept_days']} days; due: {row['runs']} runs "
                              f"(+{row['child_runs']} child runs), {row['steps']} steps, {row['events']} events")
            for key in total:
                total[key] += row[key]
        self.stdout.write(f"dry run: would prune {total['runs']} runs (+{total['child_runs']} child runs), "
                          f"{total['steps']} steps, {total['events']} events; nothing deleted")
