"""The three-way merge of a free text (domain.merge_text): what only one side changed merges by itself, the same
change on both sides is kept once, and where both changed the same part both texts stay — theirs, then mine —
with the lines named, so nothing anyone wrote is lost."""

from __future__ import annotations

from eenplan.domain.merge_text import Overlap, OverlapKind, lines, merge

BASE = "Geldzorgen geven spanning thuis.\nYoussef trekt zich terug.\n\nOma helpt op woensdag."


def test_edits_on_different_lines_on_both_sides_merge_by_themselves():
    mine = BASE.replace("Oma helpt op woensdag.", "Oma helpt op woensdag en vrijdag.")
    theirs = BASE.replace("Geldzorgen geven", "Schulden geven")
    merged = merge(BASE, mine, theirs)
    assert merged.clean
    assert merged.text == (
        "Schulden geven spanning thuis.\nYoussef trekt zich terug.\n\nOma helpt op woensdag en vrijdag."
    )


def test_edits_on_neighbouring_lines_merge_too():
    mine = BASE.replace("Youssef trekt zich terug.", "Youssef trekt zich vaak terug.")
    theirs = BASE.replace("Geldzorgen geven", "Schulden geven")
    merged = merge(BASE, mine, theirs)
    assert merged.clean
    assert merged.text.splitlines()[:2] == ["Schulden geven spanning thuis.", "Youssef trekt zich vaak terug."]


def test_a_line_added_right_after_a_line_the_other_changed_merges():
    base = "Geldzorgen geven spanning thuis; Youssef trekt zich terug."
    theirs = "Schulden geven spanning thuis; Youssef trekt zich terug."
    merged = merge(base, base + "\nHij wil wel naar voetbal.", theirs)
    assert merged.clean and merged.text == theirs + "\nHij wil wel naar voetbal."
    merged = merge(base, theirs, "Eerst dit.\n" + base)  # the other way round: they added, I changed
    assert merged.clean and merged.text == "Eerst dit.\n" + theirs


def test_two_sentences_added_to_a_paragraph_the_other_changed_at_its_start_merge_by_sentence():
    base = "Geldzorgen geven spanning thuis. Youssef trekt zich terug."
    mine = base + " Hij wil wel naar voetbal. Fatima vindt dat goed."
    theirs = "Schulden geven spanning thuis. Youssef trekt zich terug."
    merged = merge(base, mine, theirs)
    assert merged.clean
    assert merged.text == (
        "Schulden geven spanning thuis. Youssef trekt zich terug. Hij wil wel naar voetbal. Fatima vindt dat goed."
    )


def test_the_same_edit_on_both_sides_is_kept_once():
    both = BASE.replace("woensdag", "donderdag") + "\nDe mentor belt."
    merged = merge(BASE, both, both)
    assert merged.clean and merged.text == both
    theirs_too = BASE.replace("woensdag", "donderdag")
    merged = merge(BASE, both, theirs_too)  # mine adds a line besides the change both made
    assert merged.clean and merged.text == both


def test_beside_the_same_change_a_removal_on_one_side_is_taken_and_differing_additions_both_stay():
    base = "x\ny\nz"
    assert merge(base, "X\ny\nz", "X\nz") == merge(base, "X\nz", "X\ny\nz")
    assert merge(base, "X\ny\nz", "X\nz").text == "X\nz" and merge(base, "X\nz", "X\ny\nz").clean
    merged = merge(base, "X\nmijn\ny\nz", "X\nhun\ny\nz")
    assert merged.text == "X\nhun\nmijn\ny\nz"  # the shared change once, then theirs and mine
    assert merged.overlaps == (Overlap(2, 1, 1),)


def test_both_changing_the_same_sentence_keeps_theirs_then_mine_and_names_the_lines():
    mine = BASE.replace("Oma helpt op woensdag.", "Oma helpt op maandag.")
    theirs = BASE.replace("Oma helpt op woensdag.", "Opa helpt op woensdag.")
    merged = merge(BASE, mine, theirs)
    assert merged.text.splitlines() == [
        "Geldzorgen geven spanning thuis.",
        "Youssef trekt zich terug.",
        "",
        "Opa helpt op woensdag.",
        "Oma helpt op maandag.",
    ]
    assert merged.overlaps == (Overlap(first_line=4, theirs_lines=1, mine_lines=1),)
    (overlap,) = merged.overlaps
    assert overlap.kind is OverlapKind.BOTH_CHANGED and overlap.mine_first == 5


def test_overlaps_next_to_a_merged_change_are_counted_in_the_merged_text():
    base = "a\nb\nc\nd\ne"
    mine = "a\nB1\nc\nd\nE1"
    theirs = "A\nB2\nc\nd\nE2\nf"
    merged = merge(base, mine, theirs)
    assert merged.text == "A\nB2\nB1\nc\nd\nE2\nf\nE1"
    assert merged.overlaps == (Overlap(2, 1, 1), Overlap(6, 2, 1))


def test_deletion_against_an_edit_keeps_the_edit_and_says_who_removed_it():
    mine = BASE.replace("\nYoussef trekt zich terug.", "")
    theirs = BASE.replace("Youssef trekt zich terug.", "Youssef trekt zich soms terug.")
    merged = merge(BASE, mine, theirs)
    assert "Youssef trekt zich soms terug." in merged.text
    (overlap,) = merged.overlaps
    assert overlap.kind is OverlapKind.I_REMOVED and (overlap.first_line, overlap.theirs_lines) == (2, 1)
    merged = merge(BASE, theirs, mine)  # the other way round: they removed what I changed
    (overlap,) = merged.overlaps
    assert "Youssef trekt zich soms terug." in merged.text
    assert overlap.kind is OverlapKind.THEY_REMOVED and overlap.mine_lines == 1


def test_a_deletion_on_one_side_alone_is_taken():
    mine = BASE.replace("\n\nOma helpt op woensdag.", "")
    merged = merge(BASE, mine, BASE)
    assert merged.clean and merged.text == mine
    merged = merge(BASE, BASE, mine)
    assert merged.clean and merged.text == mine


def test_an_empty_base_keeps_both_new_texts():
    merged = merge("", "Mijn tekst.", "Hun tekst.")
    assert merged.text == "Hun tekst.\nMijn tekst."
    assert merged.overlaps == (Overlap(1, 1, 1),)
    assert merge("", "Mijn tekst.", "").text == "Mijn tekst."
    assert merge("", "", "Hun tekst.").text == "Hun tekst."
    assert merge("", "Dezelfde.", "Dezelfde.").overlaps == ()


def test_windows_line_ends_count_as_line_ends():
    base = BASE.replace("\n", "\r\n")
    mine = base.replace("woensdag", "vrijdag")
    theirs = BASE.replace("Geldzorgen", "Schulden")  # the other saved with plain line ends
    merged = merge(base, mine, theirs)
    assert merged.clean
    assert merged.text == BASE.replace("woensdag", "vrijdag").replace("Geldzorgen", "Schulden")
    assert "\r" not in merged.text
    assert lines("a\r\nb\rc\n") == ["a", "b", "c", ""]
    assert lines("") == []


def test_texts_past_the_limit_are_not_merged_and_one_huge_line_is_not_split_into_sentences():
    from eenplan.domain.merge_text import MAX_PARTS, mergeable

    short, long = "a\n" * (MAX_PARTS - 1), "a\n" * (MAX_PARTS + 1)
    assert mergeable(short, short, short)
    assert not mergeable(long, short, short) and not mergeable(short, short, long)
    base = "Zin. " * (MAX_PARTS + 5)
    merged = merge(base, "Eerst. " + base, base + "Laatst.")  # one line, more sentences than the limit
    assert merged.overlaps  # not merged by sentences (that would join both cleanly): left to the person
