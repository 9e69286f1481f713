"""Masking helpers for citizens' personal data."""

import pytest
from hypothesis import given, strategies as st

from rexian.core.masking import mask_id_number, mask_name, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "phone,masked",
    [("13812345678", "138****5678"), ("02512345678", "025****5678"), ("12345678", "123*5678"),
     ("1234567", "*******"), ("", "")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@given(st.text(alphabet="0123456789", min_size=8, max_size=20))
def test_a_masked_phone_keeps_its_length_and_hides_the_middle(phone):
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:]
    assert set(masked[3:-4]) <= {"*"}


@pytest.mark.parametrize("name,masked", [("张三", "张*"), ("欧阳娜娜", "欧***"), ("", "")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "number,masked",
    [("110101199001011234", "1101**********1234"), ("12345678", "12345678"), ("", "")],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    "raw,phone",
    [("+86 138-1234-5678", "13812345678"), ("0086 13812345678", "13812345678"), ("(025) 8765-4321", "02587654321"),
     ("+1 415 555 0100", "+14155550100"), ("", ""),
     ("１３８－１２３４－５６７８", "13812345678")],  # full-width, as some input methods type it
)
def test_normalize_phone(raw, phone):
    assert normalize_phone(raw) == phone
