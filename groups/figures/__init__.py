"""The figures of the public pages, drawn on the server as SVG data: attack timelines (`charts`), relationship
graphs (`graphs`) and attack maps (`maps`, over the country outlines in `data/`)."""
