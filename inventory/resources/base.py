"""The django-import-export resource every inventory file shares.

Rows are matched by their key column (``external_id``); each cell is cleaned by its widget
(``inventory.widgets``); a row whose cells all render as the record does today is *unchanged* and
nothing is written (no history row). Any other row goes to ``write``, which calls the services of
``inventory.services``; a refusal becomes a validation error of the row, by column. The file is
checked first (``inventory.limits``), and a file with any refused row is rolled back whole, in the
dry run and at the confirm step alike.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from import_export import resources
from import_export.fields import Field
from import_export.results import Error, Result, RowResult

from core.edges import REFUSALS, message_for
from inventory import limits
from inventory.services import require_importer
from inventory.widgets import Boolean, Choice, Date, Integer, Text, text_of

ROW = "(row)"  # the column named for a refusal about the whole row


def model_field(model: type[models.Model], name: str, *, column: str | None = None, widget=None) -> Field:
    """A column of a model field with the widget its type calls for."""
    django_field = model._meta.get_field(name)
    if widget is None:
        if isinstance(django_field, models.BooleanField):
            widget = Boolean()
        elif isinstance(django_field, models.DateField):
            widget = Date()
        elif isinstance(django_field, models.PositiveIntegerField | models.IntegerField):
            widget = Integer()
        elif django_field.choices:
            widget = Choice([value for value, _label in django_field.choices], blank=django_field.blank)
        else:
            widget = Text(getattr(django_field, "max_length", None))
    return Field(attribute=name, column_name=column or name, widget=widget)


# Keys looked up per query when a file's stored keys are read.
KEY_CHUNK = 500


class RowDiff(resources.Diff):
    """The preview's before/after of a row, as the file's cells (a new record has no related rows yet)."""

    def __init__(self, resource, instance, new):  # the library calls Diff._read_field_values, not cls
        self.left = self._cells(resource, instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = self._cells(resource, instance)

    @staticmethod
    def _cells(resource, instance):
        if instance is None:
            return ["" for _f in resource.get_import_fields()]
        return [resource.export_field(f, instance) if instance.pk or f.attribute in resource.concrete_names()
                else "" for f in resource.get_import_fields()]


class InventoryResource(resources.ModelResource):
    key_column: ClassVar[str] = "external_id"
    key_prefix: ClassVar[str] = ""  # the generated key of a record without an external id: prefix + pk
    readonly_columns: ClassVar[tuple[str, ...]] = ()  # exported for reading, ignored on import
    create_only_columns: ClassVar[tuple[str, ...]] = ()  # read when a row creates its record only
    # ``write`` is one atomic service call, which undoes a refused row by itself: no savepoint around it
    # (two statements a row, a round trip each on PostgreSQL).
    write_is_one_service: ClassVar[bool] = False

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = False  # the services validate
        import_id_fields = ("external_id",)
        fields: tuple[str, ...] = ()

    def get_diff_class(self):
        return RowDiff

    def concrete_names(self) -> set[str]:
        return {f.name for f in self._meta.model._meta.concrete_fields}

    # -- keys -------------------------------------------------------------------------------------

    def dehydrate_external_id(self, obj) -> str:
        return obj.external_id or self.generated_key(obj)

    def generated_key(self, obj) -> str:
        return f"{self.key_prefix}{obj.pk}" if obj.pk else ""

    def find(self, key: str):
        """The record a key names: its external id, else the key this system generates for it."""
        model = self._meta.model
        found = model.objects.filter(external_id=key).first()
        if found is None:
            match = re.fullmatch(rf"{re.escape(self.key_prefix)}(\d+)", key) if self.key_prefix else None
            if match:
                found = model.objects.filter(pk=int(match[1]), external_id="").first()
        return found

    def key_problem(self, key: str) -> str:
        """Why a key that matches nothing cannot create a record (it looks like one handed out here)."""
        if self.key_prefix and re.fullmatch(rf"{re.escape(self.key_prefix)}\d+", key):
            return (f"{key!r} has the form of the ids this system hands out, and no record has it; "
                    "keep the id as exported, or use your own id for a new record.")
        return ""

    def keys_stored(self, keys: list[str]) -> set[str]:
        """Those of ``keys`` that are a stored record's external id."""
        model = self._meta.model
        return {key for start in range(0, len(keys), KEY_CHUNK)
                for key in model.objects.filter(external_id__in=keys[start:start + KEY_CHUNK])
                .values_list("external_id", flat=True)}

    def before_import(self, dataset, **kwargs):
        # Which of the file's keys name a stored record, a few queries for the file rather than one or two
        # per row: most rows of a first import name nothing yet.
        self.stored_keys = self.keys_stored([text_of(key) for key in dataset[self.key_column]])

    def get_instance(self, instance_loader, row):
        key = text_of(row.get(self.key_column))
        stored = getattr(self, "stored_keys", None)
        if stored is not None and key not in stored and not self.key_problem(key):
            return None  # neither a stored external id nor a key handed out here: a new record
        return self.find(key)

    def init_instance(self, row=None):
        return self._meta.model()

    # -- columns ----------------------------------------------------------------------------------

    def columns(self) -> list[str]:
        return [f.column_name for f in self.get_export_fields()]

    def value_fields(self) -> list[Field]:
        """The columns an import reads (the key column is how a row is matched, not a value)."""
        return [f for f in self.get_import_fields()
                if f.column_name not in self.readonly_columns and f.column_name != self.key_column]

    def rendered(self, obj) -> dict[str, str]:
        return {f.column_name: self.export_field(f, obj) for f in self.value_fields()}

    # -- rows -------------------------------------------------------------------------------------

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._inventory_new = new
        instance._inventory_before = {} if new else self.rendered(instance)

    def import_instance(self, instance, row, **kwargs):
        values: dict[str, Any] = {}
        errors: dict[str, ValidationError] = {}
        for f in self.value_fields():
            try:
                values[f.column_name] = f.widget.clean(row.get(f.column_name), row=row)
            except ValueError as exc:
                errors[f.column_name] = ValidationError(str(exc))
        key = text_of(row.get(self.key_column))
        if instance._inventory_new and self.key_problem(key):
            errors[self.key_column] = ValidationError(self.key_problem(key))
        if errors:
            raise ValidationError(errors)
        before = instance._inventory_before
        instance._inventory_key = key
        instance._inventory_values = values
        instance._inventory_changed = set() if instance._inventory_new else {
            f.column_name for f in self.value_fields()
            if f.column_name not in self.create_only_columns
            and f.widget.render(values[f.column_name]) != before[f.column_name]
        }
        concrete = self.concrete_names()
        for f in self.value_fields():  # so the preview's diff shows the row
            if f.attribute in concrete:
                setattr(instance, f.attribute, values[f.column_name])

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return not instance._inventory_new and not instance._inventory_changed

    def save_instance(self, instance, is_create, row, **kwargs):
        actor = kwargs.get("user")
        try:
            # A refused row leaves nothing behind, even in the dry run.
            with nullcontext() if self.write_is_one_service else transaction.atomic():
                saved = self.write(instance, is_create=is_create, values=instance._inventory_values,
                                   changed=instance._inventory_changed, key=instance._inventory_key, actor=actor)
        except REFUSALS as exc:
            raise ValidationError(self.errors_by_column(exc)) from exc
        for f in saved._meta.concrete_fields:
            setattr(instance, f.attname, getattr(saved, f.attname))

    def save_m2m(self, instance, row, **kwargs):
        """Many-to-many answers go through the services with the rest of the row."""

    def write(self, instance, *, is_create: bool, values: dict[str, Any], changed: set[str], key: str, actor):
        raise NotImplementedError

    def errors_by_column(self, exc: Exception) -> dict[str, list[str]]:
        """A service's refusal as errors by column (a field it names is the column of that name)."""
        columns = set(self.columns())
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            errors: dict[str, list[str]] = {}
            for name, messages in exc.message_dict.items():
                column = name if name in columns else NON_FIELD_ERRORS
                prefix = "" if column != NON_FIELD_ERRORS or name == NON_FIELD_ERRORS else f"{name}: "
                errors.setdefault(column, []).extend(f"{prefix}{m}" for m in messages)
            return errors
        return {NON_FIELD_ERRORS: [message_for(exc)]}

    # -- the file ---------------------------------------------------------------------------------

    def file_problems(self, dataset, actor) -> list[limits.Problem]:
        try:
            require_importer(actor)
        except PermissionDenied as exc:
            return [limits.Problem(None, "", str(exc))]
        limits.normalise(dataset)
        problems = limits.header_problems(dataset.headers, expected=self.columns())
        if problems:
            return problems
        problems = limits.size_problems(dataset)
        if problems:
            return problems
        return limits.key_problems((text_of(k) for k in dataset[self.key_column]), column=self.key_column)

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        """Check the file, then import every row in one transaction; any refused row rolls all back."""
        problems = self.file_problems(dataset, kwargs.get("user"))
        if problems:
            return refused_result(problems, total=dataset.height)
        return super().import_data(dataset, dry_run=dry_run, raise_errors=False, use_transactions=True,
                                   collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True,
                                   **kwargs)


def refused_result(problems: list[limits.Problem], *, total: int) -> Result:
    """A result holding only the file's problems: rows by number, the file and header as base errors."""
    result = Result()
    result.total_rows = total
    for problem in problems:
        if problem.row is None:
            result.append_base_error(Error(ValidationError(str(problem))))
        else:
            result.append_invalid_row(problem.row, {},
                                      ValidationError({problem.column or NON_FIELD_ERRORS: problem.reason}))
    result.inventory_problems = problems
    return result


def problems_of(result: Result) -> list[limits.Problem]:
    """Every refusal of an import, by row and column, in row order."""
    found = getattr(result, "inventory_problems", None)
    if found is not None:
        return list(found)
    problems = [limits.Problem(None, "", message_for(e.error) if isinstance(e.error, REFUSALS) else str(e.error))
                for e in result.base_errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            problems += [limits.Problem(row.number, ROW if column == NON_FIELD_ERRORS else column, m)
                         for m in messages]
    for number, errors in result.row_errors():
        problems += [limits.Problem(number, ROW, f"Could not be imported ({type(e.error).__name__}: {e.error}).")
                     for e in errors]
    return sorted(problems, key=lambda p: (p.row or 0, p.column))


def counts_of(result: Result) -> dict[str, int]:
    totals = result.totals
    refused = len({p.row for p in problems_of(result) if p.row is not None}) or (
        result.total_rows if problems_of(result) else 0)
    return {
        "created": totals.get(RowResult.IMPORT_TYPE_NEW, 0),
        "updated": totals.get(RowResult.IMPORT_TYPE_UPDATE, 0),
        "unchanged": totals.get(RowResult.IMPORT_TYPE_SKIP, 0),
        "refused": refused,
    }
