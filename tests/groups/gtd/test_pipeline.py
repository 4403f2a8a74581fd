"""Running a whole file: the reader thread."""

import threading

from groups.gtd import read_ahead


def test_the_file_is_read_ahead_in_order_and_the_reading_stops_when_the_import_does():
    made = []

    def batches():
        for number in range(100):
            made.append(number)
            yield number

    ahead = read_ahead(batches(), depth=2)
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    ahead.close()
    for thread in [thread for thread in threading.enumerate() if thread.name == "import-reader"]:
        thread.join(timeout=5)
        assert not thread.is_alive()
    assert len(made) <= 3 + 2 + 1  # what was handed over, what waited in the queue, the one being put
