"""`{% footnote_markers notes %}`: a fact's footnote markers, each with the id its reference links back to.

Drawing a marker records its place on the reference, so the references list (drawn after the text) links back only
to markers the page shows: a fact whose field a template leaves out leaves no dead link behind. A marker drawn a
second time (a name in the infobox and again in the Names section) has no id of its own: ids are unique."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

_MARKER = '<sup class="fn"{}><a href="#{}" aria-label="Reference {}">[{}]</a></sup>'


@register.simple_tag
def footnote_markers(notes) -> str:
    markers = []
    for note in notes or ():
        if note.place in note.reference.places:
            place = ""
        else:
            note.reference.places.append(note.place)
            place = format_html(' id="{}"', note.place)
        markers.append(format_html(_MARKER, place, note.anchor, note.number, note.number))
    return format_html_join("", "{}", ((marker,) for marker in markers))


@register.simple_tag
def backlinks(reference) -> str:
    """Wikipedia's "^ a b c": a link back to each place the reference is cited (one "^" when it is cited once)."""
    places = reference.backlinks
    if not places:
        return ""
    if len(places) == 1:
        return format_html('<a class="backlink" href="#{}" aria-label="Back to where it is cited">^</a>', places[0][1])
    links = format_html_join(
        " ",
        '<a href="#{}" aria-label="Back to citation {} of {}">{}</a>',
        ((place, index, len(places), letter) for index, (letter, place) in enumerate(places, 1)),
    )
    return format_html('<span class="backlinks">^ {}</span>', links)
