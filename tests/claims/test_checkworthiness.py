"""The model on sentences written for these tests (in no training or evaluation split), and its training."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from shared.claims.extraction import extract_claims, score_sentences
from shared.claims.model import Model
from tests.support.services import ROOT

CLAIMS = [
    # Figures and events, with or without a source.
    "The county recorded 212 overdose deaths last year, up from 164 in 2022.",
    "Police arrested four men in connection with the robbery on Saturday, a spokesman said.",
    # Hedged reports that name a figure: what readers repeat.
    "Officials said as many as 3,000 families may have lost their homes in the fire.",
    # First-person records and what others did or said.
    "When I was mayor, we cut the waiting list for public housing from 14 months to six.",
    "My opponent voted against the veterans' health bill three times.",
    "Your own finance minister said the plan would cost 40 billion dollars.",
    # Comparisons and superlatives, causal claims about the past.
    "Unemployment in the region is now the highest in the country.",
    "The new bypass cut average commuting times by nine minutes, the transport agency said.",
]

NOT_CLAIMS = [
    "Thirty seconds to respond, Governor.",
    "I'm a proud father of a 7-year-old and a 4-year-old.",
    "What kind of country do we want to leave to our children?",
    "I believe this city deserves better leadership.",
    "This could mark a turning point for the region.",
    "Thank you all for coming tonight.",
    "The decision drew mixed reactions.",
]


@pytest.mark.parametrize("sentence", CLAIMS)
def test_check_worthy_sentences_are_claims(sentence: str) -> None:
    [claim] = extract_claims(sentence)
    assert claim.text == sentence and claim.reasons


@pytest.mark.parametrize("sentence", NOT_CLAIMS)
def test_other_sentences_are_not(sentence: str) -> None:
    assert extract_claims(sentence) == []


def test_a_figure_and_its_source_are_named_in_the_reasons() -> None:
    [claim] = extract_claims("Officials said as many as 3,000 families may have lost their homes in the fire.")
    assert "an approximate figure: 3,000 families" in claim.reasons
    assert "attributed to Officials" in claim.reasons and claim.attribution == "Officials"
    assert "a hedged report of a figure: 3,000 families" in claim.reasons
    assert not any("writer's" in reason for reason in claim.reasons)  # the hedge is the officials', not the writer's


def test_scores_move_with_the_threshold() -> None:
    body = " ".join(CLAIMS + NOT_CLAIMS)
    scores = [s.score for s in score_sentences(body)]
    assert len(extract_claims(body, threshold=0.0)) == len(scores)
    assert len(extract_claims(body, threshold=0.5)) == sum(s >= 0.5 for s in scores)


def test_training_twice_gives_identical_weights(tmp_path) -> None:
    from shared.claims.training.data import Example
    from shared.claims.training.train import featurise, fit, write

    examples = [Example(s, 1, "news", str(i)) for i, s in enumerate(CLAIMS * 2)]
    examples += [Example(s, 0, "speech", f"n{i}") for i, s in enumerate(NOT_CLAIMS * 2)]
    files = []
    for run in range(2):
        weights = fit(examples, featurise([e.text for e in examples]), c=1.0, news_weight=2.0)
        path = tmp_path / f"run{run}.json"
        write(weights, {"run": "test"}, path)
        files.append(path.read_bytes())
    assert files[0] == files[1]
    trained = Model(json.loads(files[0]))
    assert trained.score(["police", "arrested", "four", "men"], {}) != trained.score(["thank", "you"], {})


def test_the_weights_check_allows_a_rounding_edge_and_nothing_more() -> None:
    from shared.claims.training.train import same_weights

    shipped = {"bias": -0.5, "chosen": {"C": 4.0, "solver": "liblinear"}, "words": {"voted": 0.4093, "said": 0.1}}
    one_unit = {"bias": -0.5, "chosen": {"C": 4.0, "solver": "liblinear"}, "words": {"voted": 0.4092, "said": 0.1}}
    assert same_weights(shipped, shipped) and same_weights(one_unit, shipped)
    assert not same_weights({**one_unit, "words": {"voted": 0.4091, "said": 0.1}}, shipped)  # two units: drift
    assert not same_weights({**shipped, "words": {"voted": 0.4093}}, shipped)  # a feature gone
    assert not same_weights({**shipped, "chosen": {"C": 4.0, "solver": "lbfgs"}}, shipped)
    assert not same_weights({**shipped, "bias": -0.4}, shipped)


def test_a_full_word_cache_is_replaced_without_changing_scores(monkeypatch) -> None:
    from shared.claims import model

    sentences = CLAIMS + NOT_CLAIMS
    expected = [s.score for s in score_sentences(" ".join(sentences))]
    monkeypatch.setattr(model, "_WORD_CACHE", 5)  # far fewer words than one sentence holds
    fresh = Model.load()
    monkeypatch.setattr(model, "shipped", lambda: fresh)
    assert [s.score for s in score_sentences(" ".join(sentences))] == expected


@pytest.mark.parametrize(
    ("commentary", "report"),
    [
        (
            "This could lead to deeper military cooperation between the two allies.",
            "Officials said the two allies could hold 12 joint exercises next year.",
        ),
        (
            "The timing of the announcement is particularly telling.",
            "The announcement came two days after the central bank raised rates to 5.25 percent.",
        ),
    ],
)
def test_the_writers_guess_with_nothing_to_check_scores_below_a_report(commentary: str, report: str) -> None:
    [guess], [checkable] = score_sentences(commentary), score_sentences(report)
    assert guess.score < 0.5 <= checkable.score
    assert any(r.startswith("against: the writer's") for r in guess.reasons)


def test_reasons_are_the_same_in_every_process() -> None:
    """Equal weights are common among word pairs; the order between them must not depend on the hash seed,
    or two API processes would explain one claim differently."""
    script = (
        "import csv, json, sys\n"
        "from shared.claims.extraction import score_sentences\n"
        "rows = csv.DictReader(open('data/news/sentences.tsv', encoding='utf-8'), delimiter='\\t')\n"
        "print(json.dumps([s.reasons for row in rows for s in score_sentences(row['text'])]))\n"
    )
    seen = {
        seed: subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=os.environ | {"PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }  # fmt: skip
    assert len(json.loads(seen["1"])) > 1000
    assert seen["1"] == seen["2"] == seen["3"]
