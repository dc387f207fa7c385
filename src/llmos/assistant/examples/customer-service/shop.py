"""Tuxshop's tools: orders and support tickets in ``shop.db`` beside this file (SQLite; the
orders seeded from ``orders.csv`` on first use). Served by llmos as an MCP server of its own
process: ``[[python]] module = "shop.py"`` in the manifest."""

from __future__ import annotations

import csv
import sqlite3
import time
from pathlib import Path

import llmos

HERE = Path(__file__).parent
SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, customer TEXT, item TEXT,
                                   status TEXT, updated TEXT);
CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, created_at REAL, order_id TEXT,
                                    summary TEXT, photo TEXT, state TEXT DEFAULT 'open');
CREATE TABLE IF NOT EXISTS refunds (id INTEGER PRIMARY KEY, created_at REAL, order_id TEXT,
                                    reason TEXT);
"""


def connect() -> sqlite3.Connection:
    db = sqlite3.connect(HERE / "shop.db")
    with db:
        db.executescript(SCHEMA)
        if db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0:
            with (HERE / "orders.csv").open(encoding="utf-8") as rows:
                db.executemany(
                    "INSERT INTO orders VALUES (:order_id, :customer, :item, :status, :updated)",
                    csv.DictReader(rows),
                )
    return db


def find(db: sqlite3.Connection, order_id: str) -> tuple | None:
    return db.execute(
        "SELECT order_id, item, status, updated FROM orders WHERE order_id = ?",
        (order_id.strip().upper(),),
    ).fetchone()


@llmos.tool
def order_status(order_id: str) -> str:
    """The state of an order (preparing, shipped, delivered...) by its id, e.g. A-1001."""
    with connect() as db:
        order = find(db, order_id)
    if order is None:
        raise ValueError(f"there is no order {order_id}; order ids look like A-1001")
    return f"Order {order[0]} ({order[1]}): {order[2]} since {order[3]}."


@llmos.tool
def open_ticket(summary: str, order_id: str = "", photo: str = "") -> str:
    """Open a support ticket: a one-line summary of the problem, the order id if known, and
    what the customer's photo shows if they sent one."""
    with connect() as db:
        if order_id and find(db, order_id) is None:
            raise ValueError(f"there is no order {order_id}; order ids look like A-1001")
        cursor = db.execute(
            "INSERT INTO tickets (created_at, order_id, summary, photo) VALUES (?, ?, ?, ?)",
            (time.time(), order_id.strip().upper(), summary.strip(), photo.strip()),
        )
    return f"Ticket T-{cursor.lastrowid:04d} opened: {summary.strip()}"


@llmos.tool(dangerous=True)
def refund(order_id: str, reason: str) -> str:
    """Refund an order in full (needs the customer's confirmation)."""
    with connect() as db:
        order = find(db, order_id)
        if order is None:
            raise ValueError(f"there is no order {order_id}; nothing refunded")
        db.execute(
            "INSERT INTO refunds (created_at, order_id, reason) VALUES (?, ?, ?)",
            (time.time(), order[0], reason),
        )
    return f"Order {order[0]} ({order[1]}) refunded in full; the money is back in 5 working days."
