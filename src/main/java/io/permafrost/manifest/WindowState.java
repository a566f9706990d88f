package io.permafrost.manifest;

/**
 * Where a window is on its way out of PostgreSQL.
 *
 * <pre>
 *   COMMITTED ─► VERIFIED ─► DELETING ─► DELETED
 *       │  ▲          │
 *       ▼  └─(amendment: late rows)──┘
 *     FAILED ─(--force)─► re-verified
 * </pre>
 */
public enum WindowState {
    COMMITTED,
    VERIFIED,
    FAILED,
    DELETING,
    DELETED
}
