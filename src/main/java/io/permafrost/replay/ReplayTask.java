package io.permafrost.replay;

import java.io.Serializable;

/** One window to re-export: the index of its table in the job's table list, and the window path. */
public record ReplayTask(int table, String window) implements Serializable {}
