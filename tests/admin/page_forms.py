"""Turn a rendered admin change form back into the POST data a browser would send unchanged."""

from django.forms import CheckboxInput


class AdminFormData(dict):
    """POST data, plus what a blank new inline row of each inline holds before anyone types in it."""

    blank_rows: dict[str, dict]


def _add_form(data: dict, form) -> None:
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(getattr(v, "code", v)) for v in value]
        elif value is not None:
            data[key] = str(value)


def form_data(response) -> dict:
    """The main form and every inline's existing rows; extra (blank) inline rows are left out."""
    data = AdminFormData()
    data.blank_rows = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
        for form in formset.initial_forms:
            _add_form(data, form)
        blank: dict = {}
        _add_form(blank, formset.empty_form)
        data.blank_rows[formset.prefix] = {key.split("-", 2)[-1]: value for key, value in blank.items()}
    return data


def add_inline_row(data: AdminFormData, prefix: str, **values) -> AdminFormData:
    """Append one new row to the inline with this prefix (e.g. "aliases"), as if typed into a blank row."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in {**data.blank_rows[prefix], **values}.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    return data
