"""SFT on the masked rows: a tiny random Llama for the pipeline, the real SmolLM2 for learning."""

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from asktoact.schema import Dialogue  # noqa: E402
from asktoact.train.config import TrainConfig, load_config  # noqa: E402
from asktoact.train.sft import PadCollator, merge_adapter, train  # noqa: E402
from asktoact.train.tokenize import IGNORE, tokenize_dialogue  # noqa: E402

from test_train_masks import dialogue  # noqa: E402


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    from asktoact.models.embedded import embedded_model_dir

    return AutoTokenizer.from_pretrained(str(embedded_model_dir()))


def tiny_llama(tok, path):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id)
    m = LlamaForCausalLM(cfg)
    m.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def write_dialogues(path, n=12):
    with open(path, "w") as f:
        for i in range(n):
            msgs = dialogue(i % 3)
            d = Dialogue(id=f"d{i}", record_id=f"r{i}", messages=msgs)
            f.write(d.model_dump_json() + "\n")
    return path


def test_prompt_tokens_match_inference(tok):
    msgs = dialogue(1)
    row = tokenize_dialogue(tok, msgs)
    prompt_ids = tok.apply_chat_template(msgs[:2], add_generation_prompt=True, tokenize=True)
    prompt_ids = prompt_ids["input_ids"] if isinstance(prompt_ids, dict) or hasattr(prompt_ids, "keys") else prompt_ids
    assert row.input_ids[: len(prompt_ids)] == list(prompt_ids)
    assert all(l == IGNORE for l in row.labels[: len(prompt_ids)]) and row.labels[len(prompt_ids)] != IGNORE


def test_masked_positions_get_no_gradient(tok, tmp_path):
    """The loss does not depend on masked positions: their logits receive exactly zero gradient,
    and changing the targets there (what the error span would have taught) changes nothing."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_llama(tok, tmp_path / "m"))
    row = tokenize_dialogue(tok, dialogue(2))
    batch = PadCollator(tok.pad_token_id)([{"input_ids": row.input_ids, "labels": row.labels}])
    out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    logits = out.logits
    logits.retain_grad()
    shift_logits, shift_labels = logits[0, :-1], batch["labels"][0, 1:]
    loss = torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=IGNORE)
    loss.backward()
    masked = (shift_labels == IGNORE).nonzero().flatten()
    assert len(masked) > 0 and torch.count_nonzero(logits.grad[0, masked]) == 0
    assert torch.count_nonzero(logits.grad[0, (shift_labels != IGNORE).nonzero().flatten()]) > 0
    # the model's own loss agrees with ours, and with the trainer's (logits only where learned)
    assert torch.allclose(model(**batch).loss, loss, atol=1e-5)
    from asktoact.train.sft import masked_lm_loss

    two = PadCollator(tok.pad_token_id)([{"input_ids": row.input_ids, "labels": row.labels},
                                         {"input_ids": row.input_ids[:40], "labels": row.labels[:40]}])
    assert torch.allclose(masked_lm_loss(model, two), model(**two).loss, atol=1e-5)
    # supervising the masked positions instead would change the loss: the mask is what keeps them out
    targets = batch["input_ids"][0, 1:]
    unmasked = torch.nn.functional.cross_entropy(shift_logits, targets)
    assert not torch.allclose(unmasked, loss)


def test_train_pipeline_tiny_llama_lora_and_full(tok, tmp_path):
    model_dir = tiny_llama(tok, tmp_path / "tiny")
    data = write_dialogues(tmp_path / "train.jsonl")
    cfg = TrainConfig(model=str(model_dir), data=[str(data)], output_dir=str(tmp_path / "out"), max_steps=4,
                      per_device_batch_size=4, effective_batch_size=8, learning_rate=5e-3, precision="fp32",
                      logging_steps=1, max_len=512)
    s = train(cfg)
    assert s["global_steps"] == 4 and s["prep"]["rows"] == 12 and s["prep"]["error_spans"] == 12
    assert (tmp_path / "out" / "adapter_config.json").exists()
    merged = merge_adapter(tmp_path / "out", tmp_path / "merged", base=str(model_dir))
    assert (merged / "config.json").exists()
    full = train(cfg.model_copy(update={"method": "full", "output_dir": str(tmp_path / "full"), "max_steps": 2}))
    assert full["global_steps"] == 2 and (tmp_path / "full" / "config.json").exists()


def test_loss_is_token_weighted_across_accumulation(tok, tmp_path):
    """Two micro-batches with different numbers of learned tokens, each divided by the
    accumulated count (what the Trainer passes as num_items_in_batch), sum to the token mean
    of one big batch: a short row weighs no more than its tokens."""
    from transformers import AutoModelForCausalLM

    from asktoact.train.sft import masked_lm_loss

    model = AutoModelForCausalLM.from_pretrained(str(tiny_llama(tok, tmp_path / "tiny")))
    rows = [tokenize_dialogue(tok, dialogue(k)) for k in (0, 2)]
    rows[1].labels[: len(rows[1].labels) // 2] = [IGNORE] * (len(rows[1].labels) // 2)  # fewer learned tokens
    col = PadCollator(tok.pad_token_id)
    both, a, b = col([r.as_features() for r in rows]), col([rows[0].as_features()]), col([rows[1].as_features()])
    n = sum(r.n_supervised - (r.labels[0] != IGNORE) for r in rows)  # shifted: position 0 is never a target
    with torch.no_grad():
        whole = masked_lm_loss(model, both)
        split = masked_lm_loss(model, a, n) + masked_lm_loss(model, b, n)
        naive = (masked_lm_loss(model, a) + masked_lm_loss(model, b)) / 2
    assert float(split) == pytest.approx(float(whole), rel=1e-5)
    assert abs(float(naive) - float(whole)) > 1e-4  # the per-batch mean that was used before


def test_warmup_learns_from_step_one_and_killed_runs_resume(tok, tmp_path):
    from asktoact.train.sft import warmup_schedule

    f = warmup_schedule("cosine", 3, 10)
    assert 0 < f(0) < f(1) < f(2) < f(3) == 1.0 and f(9) > 0
    model_dir = tiny_llama(tok, tmp_path / "tiny")
    data = write_dialogues(tmp_path / "train.jsonl")
    cfg = TrainConfig(model=str(model_dir), data=[str(data)], output_dir=str(tmp_path / "out"), max_steps=6,
                      per_device_batch_size=2, effective_batch_size=2, learning_rate=5e-3, precision="fp32",
                      logging_steps=1, save_steps=2, max_len=512, warmup_ratio=0.5, eval_share=0.25, eval_steps=5)

    def stop_at_3(logs):  # a kill after step 3 (checkpoint-2 on disk)
        if "loss" in logs:
            seen.append(logs)
            if len(seen) == 3:
                raise KeyboardInterrupt

    seen: list = []
    with pytest.raises(KeyboardInterrupt):
        train(cfg, on_log=stop_at_3)
    summ = json.loads((tmp_path / "out" / "asktoact_train.json").read_text())
    assert summ["status"] == "interrupted" and [h["step"] for h in summ["history"] if "loss" in h] == [1, 2, 3]
    assert summ["history"][0]["learning_rate"] > 0  # step 1 learns
    assert summ["eval_rows"] > 0 and summ["train_rows"] + summ["eval_rows"] == summ["prep"]["rows"]
    s = train(cfg)  # resumes from checkpoint-2
    assert s["resumed_from"].endswith("checkpoint-2") and s["global_steps"] == 6 and s["status"] == "done"
    assert [h["step"] for h in s["history"] if "loss" in h] == [1, 2, 3, 4, 5, 6] and "eval_loss" in s["eval"]
    assert any("eval_loss" in h for h in s["history"])
    fresh = train(cfg.model_copy(update={"output_dir": str(tmp_path / "fresh")}))
    assert [h["loss"] for h in s["history"] if "loss" in h] == \
        pytest.approx([h["loss"] for h in fresh["history"] if "loss" in h], rel=2e-3)
    with pytest.raises(ValueError, match="other rows"):
        train(cfg.model_copy(update={"limit": 6, "max_steps": 8}))  # other data, same folder


def test_config_yaml_overrides_and_defaults(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("model: embedded\ndata: train.jsonl\nmethod: full\nper_device_batch_size: 4\n")
    cfg = load_config(p, ["num_epochs=1", "lora_r=16"])
    assert cfg.lr == 1.41e-5 and cfg.num_epochs == 1 and cfg.lora_r == 16 and cfg.data == ["train.jsonl"]
    assert cfg.grad_accum(1) == 16 and cfg.grad_accum(4) == 4
    assert TrainConfig().lr == 1e-4 and TrainConfig().lora_r == 8 and TrainConfig().lr_scheduler == "cosine"
    with pytest.raises(Exception):
        load_config(p, ["no_such_key=1"])


@pytest.mark.slow
def test_real_smollm2_lora_loss_falls(tmp_path):
    data = write_dialogues(tmp_path / "train.jsonl", n=4)
    cfg = TrainConfig(model="embedded", data=[str(data)], output_dir=str(tmp_path / "out"), max_steps=6,
                      per_device_batch_size=2, effective_batch_size=4, learning_rate=2e-3, warmup_ratio=0.0,
                      precision="fp32", logging_steps=1, max_len=256, lr_scheduler="constant")
    s = train(cfg)
    losses = [h["loss"] for h in s["history"] if "loss" in h]
    assert len(losses) == 6 and losses[-1] < losses[0] * 0.8, losses


def test_exports(tok, tmp_path):
    from datasets import load_from_disk

    from asktoact.io import read_jsonl
    from asktoact.protocol import strip_markers
    from asktoact.train import export as ex
    from asktoact.train.tokenize import prepare_rows

    ds = list(read_jsonl(write_dialogues(tmp_path / "t.jsonl", n=3), Dialogue))
    rows = prepare_rows(tok, ds, 1024)
    ex.export_llamafactory(ds, tmp_path / "lf", "ask", rows)
    info = json.loads((tmp_path / "lf" / "dataset_info.json").read_text())
    assert info["ask"]["formatting"] == "sharegpt"
    sg = json.loads((tmp_path / "lf" / "ask.json").read_text())
    assert sg[1]["conversations"][1]["from"] == "gpt" and "<SOE>" in sg[1]["conversations"][1]["value"]
    tk = load_from_disk(str(tmp_path / "lf" / "ask_tokenized"))
    assert tk[2]["labels"] == rows[2].labels and tk[2]["input_ids"] == rows[2].input_ids
    f = ex.export_axolotl(ds, tmp_path / "ax")
    rec = json.loads(f.read_text().splitlines()[2])  # two error spans
    a = rec["messages"][2]
    clean, spans = strip_markers(ds[2].messages[2].content)
    assert a["content"] == clean and "<SOE>" not in a["content"]
    off = [(d["begin_offset"], d["end_offset"], d["train"]) for d in a["train_detail"]]
    assert off[0][0] == 0 and off[-1][1] == len(clean) - 1
    assert all(x[1] + 1 == y[0] for x, y in zip(off, off[1:]))  # contiguous, inclusive ends
    untrained = [clean[s:e + 1] for s, e, t in off if not t]
    assert untrained == [clean[s:e] for s, e in spans]
    assert rec["messages"][1]["train"] is False
    ex.export_hf(ds, tmp_path / "hf", rows)
    import pyarrow.parquet as pq

    d = pq.read_table(tmp_path / "hf" / "dialogues.parquet").to_pylist()
    assert d[2]["error_spans"][0]["message"] == 2 and len(d) == 3
    assert (tmp_path / "hf" / "tokenized.parquet").exists() and "Sources and licences" in (tmp_path / "hf" / "README.md").read_text()


def test_act_share_balances_rows_by_first_move(tok, tmp_path):
    """Question-first rows outnumber call-first ones after the length cut; ``act_share``
    downsamples the common kind (seeded) and the summary says what was kept and dropped."""
    from asktoact.train.tokenize import balance_first_moves, prepare_rows

    path = tmp_path / "mixed.jsonl"
    with open(path, "w") as f:
        for i in range(12):
            qs = {"0.x": "What x should I use?"} if i % 4 else {}  # 9 with something missing, 3 complete
            f.write(Dialogue(id=f"d{i}", record_id=f"r{i}", messages=dialogue(i % 3), questions=qs).model_dump_json() + "\n")
    rows = prepare_rows(tok, [Dialogue.model_validate_json(x) for x in path.read_text().splitlines()], 512)
    assert [r.first_move for r in rows].count("act") == 3
    kept, info = balance_first_moves(rows, 0.5, seed=0)
    assert info == {"act_share": 0.5, "ask_before": 9, "act_before": 3, "ask": 3, "act": 3, "dropped": 6}
    again, _ = balance_first_moves(rows, 0.5, seed=0)
    assert [r.id for r in kept] == [r.id for r in again]
    assert {r.id for r in kept if r.first_move == "act"} == {"d0", "d4", "d8"}
    other = {tuple(r.id for r in balance_first_moves(rows, 0.5, seed=s)[0]) for s in range(6)}
    assert len(other) > 1  # the seed decides which question-first rows stay
    quarter, info = balance_first_moves(rows, 0.25, seed=0)
    assert (info["ask"], info["act"]) == (9, 3) and len(quarter) == 12  # already at the share: nothing dropped
    model_dir = tiny_llama(tok, tmp_path / "tiny")
    cfg = TrainConfig(model=str(model_dir), data=[str(path)], output_dir=str(tmp_path / "out"), max_steps=1,
                      per_device_batch_size=2, effective_batch_size=2, precision="fp32", max_len=512, act_share=0.5)
    s = train(cfg)
    assert s["train_rows"] == 6 and s["first_moves"]["dropped"] == 6 and s["prep"]["rows"] == 12
