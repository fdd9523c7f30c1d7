#!/usr/bin/env python3
"""Checks the ```funnel examples of docs/language.md with `voronka check`.

    python3 docs/check_examples.py build/bin/voronka [docs/language.md]

Before each ```funnel block a hidden HTML comment says how to check it:

    <!-- check: complete -->          the block is a whole program
    <!-- check: top -->               added at the top level of the harness below
    <!-- check: pipeline -->          inside the harness pipeline `retail`
    <!-- check: stage NAME -->        inside stage NAME of `retail` (or won/lost)
    <!-- check: action -->            inside `on enter { … }` of stage clarify
    <!-- check: test -->              inside a test block after the harness
    <!-- check: error ID MODE… -->    as MODE, and must fail with [ID]
    <!-- check: skip -->              not checked

A ```funnel block without such a comment fails. Outlines of syntax are written
in plain ``` blocks, which are not looked at. Exit status 1 when a block fails.
"""
import pathlib
import re
import subprocess
import sys
import tempfile

# Declarations the fragments may use. /*@X*/ marks where a fragment goes.
HARNESS = """account "Мебель X" {
  timezone "Europe/Moscow"
  workhours mon..fri 09:00-19:00, sat 10:00-16:00
  holidays 2026-01-01..2026-01-08, 2026-05-01
  currency RUB
}
field budget: money "Бюджет"
field goal: text "Цель переговоров"
field survey_link: url "Ссылка на анкету"
field source: enum { site "Сайт", call "Звонок", ads "Реклама" } "Источник"
field meeting_at: datetime "Дата встречи"
field delivered: bool "Доставлено" = false
field paid: money "Оплачено" = 0
field manager: user "Менеджер"
field rating: number "Оценка"
field inn: text "ИНН"
team sales "Отдел продаж" { ivanov "Иван Иванов" petrova "Мария Петрова" }
team retention "Удержание" { sidorov "Пётр Сидоров" }
template email price_segments "Диваны: от эконома до премиума" { body "…" }
template email reviews "Отзывы покупателей" { body "…" }
template email intro "Знакомство" { body "…" }
template message reminder "Напоминание" { body "…" }
template sms order_ready "Заказ готов" { body "…" }
form buyer_form "Анкета покупателя" { fields goal, budget }
channel telegram "Telegram"
channel whatsapp "WhatsApp"
task type visit "Выезд к клиенту"
event kyc_checked(passed: bool, score: number)
integration scoring "Скоринг" { url "https://scoring.example.ru/check" answers kyc_checked }
pipeline reactivation "Реактивация" {
  stage warmup "Прогрев"
  won "Вернулся"
  lost "Не вернулся"
}
pipeline retail "Розница" {
  /*@pipeline*/
  stage incoming "Неразобранное" { /*@incoming*/ }
  stage collect "Сбор информации" { /*@collect*/ }
  stage clarify "Уточнение задачи" { /*@clarify*/ }
  stage choose "Выбор" { /*@choose*/ }
  stage contract "Заказ и договор" key { /*@contract*/ }
  won "Успешно реализовано" { /*@won*/ }
  lost "Закрыто и не реализовано" reasons {
    "Дорого", "Купил у конкурента", "Сроки", "Нет модели", "Не целевой", other "Другое"
  } { /*@lost*/ }
}
/*@top*/
"""


def program(mode, code):
    words = mode.split()
    kind = words[0]
    if kind == "complete":
        return code
    if kind == "top":
        return HARNESS.replace("/*@top*/", code)
    if kind == "pipeline":
        return HARNESS.replace("/*@pipeline*/", code)
    if kind == "stage":
        marker = "/*@" + words[1] + "*/"
        if marker not in HARNESS:
            raise ValueError("no stage " + words[1] + " in the harness")
        return HARNESS.replace(marker, "\n" + code + "\n")
    if kind == "action":
        return HARNESS.replace("/*@clarify*/", "on enter {\n" + code + "\n}")
    if kind == "test":
        return HARNESS.replace("/*@top*/", 'test "harness" {\n' + code + "\n}")
    raise ValueError("unknown mode " + repr(mode))


def main():
    voronka = sys.argv[1]
    md = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else pathlib.Path(__file__).with_name("language.md"))
    text = md.read_text(encoding="utf-8")
    blocks = re.findall(r"(?:<!-- check: ([^>]*?) -->\s*\n)?```funnel\n(.*?)```", text, re.S)
    failed = 0
    for number, (mode, code) in enumerate(blocks, 1):
        mode = mode.strip()
        if not mode:
            print(f"block {number}: no <!-- check: … --> comment before it:\n{code}")
            failed += 1
            continue
        if mode == "skip":
            continue
        expect = None
        if mode.startswith("error "):
            _, expect, mode = mode.split(" ", 2)
        try:
            source = program(mode, code)
        except ValueError as e:
            print(f"block {number}: {e}")
            failed += 1
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "example.funnel"
            path.write_text(source, encoding="utf-8")
            run = subprocess.run([voronka, "check", "--color", "never", str(path)], capture_output=True, text=True)
        output = run.stdout + run.stderr
        ok = (run.returncode == 1 and f"[{expect}]" in output) if expect else run.returncode == 0
        if not ok:
            failed += 1
            want = f"error [{expect}]" if expect else "no problems"
            print(f"--- block {number} ({mode}), expected {want}:\n{code}\n{output}")
    print(f"{len(blocks)} examples, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
