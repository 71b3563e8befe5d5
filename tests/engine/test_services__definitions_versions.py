"""Version numbers: test runs never take the definition's own numbers; publish notes; what changed in a node."""
import pytest

from engine.errors import Conflict
from engine.models import AuditEntry, WorkflowVersion
from engine.selectors.definitions import (TEST_NUMBER_BASE, TEST_SLOTS, node_field_changes, version_diff,
                                          version_label, version_number_next)
from engine.services.definitions import (definition_create, draft_save, test_version_create as make_test_version,
                                         version_publish)
from tests.support.flows import chain, task

pytestmark = pytest.mark.django_db

SPEC = chain(task("charge", activity="flowdeck.noop"))


def spec_with(label: str) -> dict:
    return chain(task("charge", activity="flowdeck.noop", label=label))


def test_test_runs_leave_the_next_draft_number_alone():
    definition = definition_create(key="refund", name="Refund", spec=SPEC)
    for n in (1, 2):
        if n > 1:
            draft_save(definition=definition, spec=spec_with(f"v{n}"))
        version_publish(definition=definition, number=n)
    draft_save(definition=definition, spec=spec_with("v3"))
    version_publish(definition=definition, number=3)
    # "Further edits start draft v4": four test runs later, it still does.
    tests = [make_test_version(definition=definition, spec=spec_with(f"try {i}")) for i in range(4)]
    assert [t.number for t in tests] == [TEST_NUMBER_BASE + 4 * TEST_SLOTS + k for k in (1, 2, 3, 4)]
    assert {version_label(number=t.number) for t in tests} == {"test of draft v4"}
    assert tests[2].note == "test 3 of draft v4"
    assert version_number_next(definition=definition) == 4
    assert draft_save(definition=definition, spec=spec_with("v4")).number == 4
    # Tests of the open draft v4 are numbered as its tests too; the same spec again reuses its version.
    again = make_test_version(definition=definition, spec=spec_with("try 1"))
    assert again.pk == tests[1].pk
    fresh = make_test_version(definition=definition, spec=spec_with("v4 edited"))
    assert fresh.number == TEST_NUMBER_BASE + 4 * TEST_SLOTS + 5
    version_publish(definition=definition, number=4)
    assert draft_save(definition=definition, spec=spec_with("v5")).number == 5
    assert version_label(number=5) == "v5"


def test_a_test_version_cannot_be_published():
    definition = definition_create(key="probe", name="Probe", spec=SPEC)
    test = make_test_version(definition=definition, spec=SPEC)
    with pytest.raises(Conflict, match="test of draft v1 is a test version"):
        version_publish(definition=definition, number=test.number)


def test_test_versions_numbered_the_old_way_are_stepped_over():
    definition = definition_create(key="legacy", name="Legacy", spec=SPEC)
    version_publish(definition=definition, number=1)
    # Before numbering apart, a test run took v2: the next draft must not collide with it.
    WorkflowVersion.objects.create(definition=definition, number=2, spec=SPEC, checksum="x", status="published",
                                   is_test=True)
    assert draft_save(definition=definition, spec=spec_with("next")).number == 3


def test_publishing_keeps_the_note_and_audits_it():
    definition = definition_create(key="noted", name="Noted", spec=SPEC)
    version = version_publish(definition=definition, number=1, note="  first cut: charge only  ")
    assert version.note == "first cut: charge only"
    entry = AuditEntry.objects.filter(action="definition.publish", object_id="noted").get()
    assert entry.changes["note"] == "first cut: charge only"
    draft_save(definition=definition, spec=spec_with("two"))
    assert version_publish(definition=definition, number=2).note == ""   # no note: none invented


def test_the_diff_names_each_field_that_changed_inside_a_node():
    before = task("charge", activity="flowdeck.noop", retry={"max_attempts": 3, "initial_interval": 1},
                  input={"amount": "input.amount"}, position={"x": 0, "y": 0})
    after = task("charge", activity="flowdeck.sleep", retry={"max_attempts": 5, "initial_interval": 1},
                 input={"amount": "input.amount", "currency": "input.currency"}, label="Charge",
                 position={"x": 90, "y": 0})
    assert node_field_changes(before, after) == [
        {"field": "activity", "before": "flowdeck.noop", "after": "flowdeck.sleep"},
        {"field": "input.currency", "before": None, "after": "input.currency"},
        {"field": "label", "before": "charge", "after": "Charge"},
        {"field": "retry.max_attempts", "before": 3, "after": 5},
    ]
    assert node_field_changes({"n": 1}, {"n": 1.0}) == [{"field": "n", "before": 1, "after": 1.0}]

    ship = task("ship", activity="flowdeck.noop", position={"x": 0, "y": 0})
    definition = definition_create(key="diffed", name="Diffed", spec=chain(before, ship))
    version_publish(definition=definition, number=1)
    draft_save(definition=definition, spec=chain(after, {**ship, "position": {"x": 9, "y": 9}}))
    diff = version_diff(definition=definition, a=1, b=2)
    assert diff["nodes"]["changed"] == ["charge", "ship"] and diff["nodes"]["moved"] == ["ship"]
    assert diff["node_changes"] == {"charge": node_field_changes(before, after)}   # a move is not a change
