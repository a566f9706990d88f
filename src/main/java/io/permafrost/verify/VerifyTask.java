package io.permafrost.verify;

import java.io.Serializable;

/** One window to verify: the index of its table in the job's table list, and the window. */
public record VerifyTask(int table, CommittedWindow window, boolean force)
        implements Serializable {}
