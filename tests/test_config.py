import pytest

from framing import ConfigError, load_config


def test_a_written_config_reads_back_the_same(tmp_path):
    """config.resolved.toml (written with framing._io.toml_text) loads to the config that wrote it."""
    from framing._io import toml_text

    config = load_config(None, ["features.analyzer=prefix", "classifier.threshold=\"oof\"", "report.correction=\"bh\"",
                                "data.collections=[\"news\"]"])
    path = tmp_path / "exp" / "config.toml"
    path.parent.mkdir()
    path.write_text(toml_text(config.to_dict()), encoding="utf-8")
    assert load_config(path, name=config.name) == config


def test_a_missing_experiment_config_is_an_error_naming_it(tmp_path):
    from framing.config import experiment_config

    with pytest.raises(ConfigError, match="config is missing") as caught:
        experiment_config(tmp_path, "nosuch")
    assert str(tmp_path / "experiments" / "nosuch" / "config.toml") in caught.value.message
    # the fix says how to make one (an empty file is a whole config), not to copy the missing file itself
    assert "an empty file uses every default" in caught.value.fix and "copy" not in caught.value.fix
    assert "--config" in caught.value.fix  # no other experiment to pick
    (tmp_path / "experiments" / "mine").mkdir(parents=True)
    (tmp_path / "experiments" / "mine" / "config.toml").write_text("", encoding="utf-8")
    assert experiment_config(tmp_path, "mine") == load_config(None, name="mine")
    with pytest.raises(ConfigError, match=r"pick an existing -e NAME \(mine\)"):
        experiment_config(tmp_path, "default")


def test_an_unknown_top_level_key_is_called_a_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('nmae = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'nmae'") as caught:
        load_config(path)
    assert "section [nmae]" not in caught.value.what
    assert caught.value.fix == ("the top-level keys are name and the sections "
                                "[data], [features], [classifier], [evaluate], [report], [articles], [active]")
    path.write_text("features = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"features must be a section \[features\]"):
        load_config(path)


def test_file_then_overrides(tmp_path):
    path = tmp_path / "exp" / "config.toml"
    path.parent.mkdir()
    path.write_text("[features]\nngram_max = 3\n[classifier]\nC = 2\n", encoding="utf-8")
    config = load_config(path, ["classifier.C=0.5", "features.analyzer=word+char", "evaluate.folds=3"])
    assert config.name == "exp"
    assert config.features.ngram_max == 3 and config.classifier.C == 0.5
    assert config.features.analyzer == "word+char" and config.evaluate.folds == 3


@pytest.mark.parametrize("overrides, message", [
    (["nosuch.x=1"], r"unknown section \[nosuch\]"),
    (["features.nope=1"], "unknown option features.nope"),
    (["features.ngram_max=two"], "should be int"),
    (["classifier.C=-1"], "classifier.C"),
    (["features.analyzer=char"], "features.analyzer"),
    (["C=1"], "is not section.key=value"),
    (["classifier.threshold=2"], "classifier.threshold"),
    (["classifier.C_by_dimension={tone=0}"], "classifier.C"),
    (["features.context=2", "features.analyzer=word"], "features.context"),
    (["evaluate.forward_share=1"], "evaluate.forward_share"),
    (["evaluate.rule_seeds=[1.5]"], "rule_seeds"),
    (["evaluate.rule_seeds=2"], "should be list"),
    (["features.max_features=abc"], "features.max_features"),
    (["features.max_features=2.5"], "features.max_features"),
    (["features.max_features=-5"], "features.max_features"),
    (["features.stop_words=french"], "features.stop_words"),
    (["classifier.C=inf"], "classifier.C"),
    (["classifier.C=nan"], "classifier.C"),
    (["classifier.C_by_dimension={tone=nan}"], "classifier.C"),
    (["active.test_share=0.99"], "active.test_share"),
    (["features.sublinear_tf=maybe"], "should be bool"),
])
def test_bad_values(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)


def test_a_bad_override_is_named_not_the_file(tmp_path):
    """The file is fine and --set is not: the error names the --set, never the file; a bad file
    with a good --set still names the file."""
    path = tmp_path / "exp" / "config.toml"
    path.parent.mkdir()
    path.write_text("[classifier]\nC = 2\n", encoding="utf-8")
    for overrides, names in [(["classifier.C=abc"], "--set classifier.C=abc: classifier.C = 'abc' should be float"),
                             (["evaluate.folds=3", "nosuch.x=1"], r"--set nosuch.x=1: unknown section \[nosuch\]"),
                             (["features.attribution_weight=0"], "--set features.attribution_weight=0: invalid value")]:
        with pytest.raises(ConfigError, match=names) as caught:
            load_config(path, overrides)
        assert caught.value.path is None and str(path) not in str(caught.value)
    path.write_text("[classifier]\nC = -2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid value for classifier.C") as caught:
        load_config(path, ["evaluate.folds=3"])
    assert caught.value.path == str(path)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[features\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_per_dimension_c_reaches_that_dimension_only():
    from framing import load_codebook
    from framing.model.classifier import dimension_model
    from pathlib import Path

    codebook = load_codebook(Path(__file__).resolve().parents[1] / "labels" / "codebook.toml")
    config = load_config(None, ["classifier.C=4", "classifier.C_by_dimension={tone=2.0}", "features.attribution=['sources']"])
    tone, sources = dimension_model(codebook.dimension("tone"), config), dimension_model(codebook.dimension("sources"), config)
    assert tone.classifier.C == 2.0 and sources.classifier.C == 4.0
    assert sources.attribution and dict(sources.actors)["kremlin"] and not tone.attribution
    lex = load_config(None, ["features.lexicon=rationale", "features.lexicon_dimensions=['tone']"])
    assert dimension_model(codebook.dimension("tone"), lex).features.lexicon == "rationale"
    assert dimension_model(codebook.dimension("frames"), lex).features.lexicon == "none"


def test_decades_need_the_prefix_analyzer():
    from framing.errors import ConfigError

    assert load_config(None, ['features.decades=["frames"]', 'features.analyzer="prefix"']).features.decades == ["frames"]
    with pytest.raises(ConfigError, match="decades"):
        load_config(None, ['features.decades=["frames"]', 'features.analyzer="word"'])


def test_indicators_need_the_prefix_analyzer_and_labels_that_list_them(project):
    from framing import load_project
    from framing.errors import ConfigError

    with pytest.raises(ConfigError, match="indicators"):
        load_config(None, ['features.indicators=["topics"]', 'features.analyzer="word"'])
    config = load_config(None, ['features.indicators=["topics"]', 'features.analyzer="prefix"'])
    assert load_project(config, project).codebook.dimension("topics").labels[0].indicators == ("match*", "team")
    with pytest.raises(ConfigError, match="features.indicators names 'mood', but no label of it lists indicators") as caught:
        load_project(load_config(None, ['features.indicators=["mood"]', 'features.analyzer="prefix"']), project)
    assert "the words their definitions name" in caught.value.fix


def test_settings_naming_what_the_project_lacks_are_errors(project):
    """A dimension the codebook lacks or a collection the corpus lacks stops the run, naming the
    setting, where it was set, and what the project has; nothing is ignored without a word."""
    from framing import load_project

    path = project / "experiments" / "default" / "config.toml"
    for setting, message in [('[features]\nattribution = ["sources"]', "features.attribution names 'sources'"),
                             ('[features]\nlexicon_dimensions = ["tone"]', "features.lexicon_dimensions names 'tone'"),
                             ('[features]\nanalyzer = "prefix"\ndecades = ["frames"]', "features.decades names 'frames'"),
                             ("[classifier]\nC_by_dimension = {mood = 2.0, tone = 2.0}", "classifier.C_by_dimension names 'tone'")]:
        path.write_text(setting + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=message) as caught:
            load_project(load_config(path), project)
        assert caught.value.path == str(path) and caught.value.fix.startswith("its dimensions are mood, topics")
    path.write_text('[features]\nattribution = ["topics"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^--set features.attribution=\['zzz'\]: features.attribution names 'zzz'") as caught:
        load_project(load_config(path, ["features.attribution=['zzz']"]), project)
    assert caught.value.path is None
    assert load_project(load_config(path, ["classifier.C_by_dimension={mood=2.0}"]), project).table.shape[0] > 0

    for key in ("evaluate.collection", "classifier.tune_on"):  # a corpus without subfolders has no collections
        with pytest.raises(ConfigError, match=f"{key} names collection 'news'") as caught:
            load_project(load_config(path, [f'{key}="news"']), project)
        assert "the corpus has no collections" in caught.value.fix

    corpus = project / "corpus"  # articles in subfolders: collections "news" and "wire"
    for article in corpus.glob("*.txt"):
        folder = corpus / ("news" if article.name.startswith("daily") else "wire")
        folder.mkdir(exist_ok=True)
        article.rename(folder / article.name)
    assert load_project(load_config(path, ['evaluate.collection="news"', 'classifier.tune_on="wire"']), project)
    with pytest.raises(ConfigError, match="classifier.tune_on names collection 'official'") as caught:
        load_project(load_config(path, ['classifier.tune_on="official"']), project)
    assert caught.value.fix.startswith("its collections are news, wire:")
    with pytest.raises(ConfigError, match=r"data.collections names collection 'newz'") as caught:
        load_project(load_config(path, ['data.collections=["news", "newz"]']), project)
    with pytest.raises(ConfigError, match="evaluate.collection names collection 'wire'") as caught:
        load_project(load_config(path, ['data.collections=["news"]', 'evaluate.collection="wire"']), project)
    assert caught.value.fix.startswith("its collections are news (data.collections keeps only these)")


def test_bools_in_set_take_any_case_and_yes_no():
    assert load_config(None, ["features.sublinear_tf=False"]).features.sublinear_tf is False
    assert load_config(None, ["features.lowercase=NO", "features.sublinear_tf=yes"]).features.lowercase is False


def test_a_bad_value_is_blamed_on_its_own_set():
    for overrides, named in [(["active.seeds=1", "active.batch=0"], "--set active.batch=0: invalid value for active.batch"),
                             (["active.seeds=2", "active.start=1"], "--set active.start=1: invalid value for active.start")]:
        with pytest.raises(ConfigError) as caught:
            load_config(None, overrides)
        assert str(caught.value).startswith(named) and overrides[0] not in str(caught.value), caught.value


def test_module_paths_named_in_configs_and_docs_exist():
    """Comments that point a reader at a module (framing/active.py once) point at one that exists."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    texts = [root / "README.md", *root.glob("experiments/*/config.toml"), *root.glob("experiments/*/*.md"),
             *root.glob("framing/**/*.py")]
    named = {m for path in texts for m in re.findall(r"framing/[a-z_/]+\.py", path.read_text(encoding="utf-8"))}
    assert named and sorted(p for p in named if not (root / p).is_file()) == []
