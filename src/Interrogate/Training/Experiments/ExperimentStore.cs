using System.Globalization;
using Interrogate.Sharding;
using Microsoft.Data.Sqlite;

namespace Interrogate.Training.Experiments;

/// <summary>
/// The SQLite database of an experiment. Tables: <c>experiment</c> (key/value: spec_hash, name,
/// created), <c>runs</c> (one row per finished (setting, seed): its config JSON and final metrics)
/// and <c>curves</c> (per-epoch train loss, test loss and test accuracy). A run and its curve are
/// written in one transaction once it has finished, so a killed run leaves no row and reruns next time.
/// A database of one shard of the cells (<c>--shard I/N</c>) also holds <c>shard</c> ("I/N") and
/// <c>shard_cells</c> (how many cells that shard runs) in <c>experiment</c>; <see cref="ExperimentShardMerger"/> combines them.
/// </summary>
public sealed class ExperimentStore : IDisposable
{
    private readonly SqliteConnection connection;

    public string Path { get; }

    private ExperimentStore(string path, SqliteConnection connection)
    {
        Path = path;
        this.connection = connection;
    }

    /// <summary>Opens (creating when absent) the database for this spec; one made for other spec content, or another shard, is an <see cref="InputException"/>.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="spec">The experiment.</param>
    /// <param name="shard">The shard of the cells this database holds, or null for all of them.</param>
    public static ExperimentStore Open(string path, ExperimentSpec spec, ShardSpec? shard = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        // No pooling: the file is released on Dispose, so tests and users can move or delete it.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
        var store = new ExperimentStore(path, connection);
        try
        {
            connection.Open();
            store.Initialise(spec, shard);
            return store;
        }
        catch (SqliteException e)
        {
            store.Dispose();
            throw InputException.ForFile(path, $"is not a usable experiment database ({e.Message.ReplaceLineEndings(" ")})", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private void Initialise(ExperimentSpec spec, ShardSpec? shard)
    {
        Execute("""
            CREATE TABLE IF NOT EXISTS experiment (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS runs (
                setting TEXT NOT NULL, seed INTEGER NOT NULL, config TEXT NOT NULL,
                test_accuracy REAL NOT NULL, test_loss REAL NOT NULL, train_loss REAL NOT NULL,
                robust_accuracy REAL, seconds REAL NOT NULL, finished_at TEXT NOT NULL,
                PRIMARY KEY (setting, seed));
            CREATE TABLE IF NOT EXISTS curves (
                setting TEXT NOT NULL, seed INTEGER NOT NULL, epoch INTEGER NOT NULL,
                train_loss REAL NOT NULL, test_loss REAL NOT NULL, test_accuracy REAL NOT NULL,
                PRIMARY KEY (setting, seed, epoch));
            """);
        using var get = Command("SELECT value FROM experiment WHERE key = 'spec_hash'");
        var existing = get.ExecuteScalar() as string;
        if (existing is null)
        {
            using var tx = connection.BeginTransaction();
            var keys = new List<(string, string)> { ("spec_hash", spec.ContentHash), ("name", spec.Name), ("created", DateTime.UtcNow.ToString("O")) };
            if (shard is not null) keys.AddRange([("shard", shard.ToString()), ("shard_cells", ShardCells(spec, shard).Count.ToString(CultureInfo.InvariantCulture))]);
            foreach (var (key, value) in keys)
            {
                using var put = Command("INSERT OR REPLACE INTO experiment (key, value) VALUES ($k, $v)", tx);
                put.Parameters.AddWithValue("$k", key);
                put.Parameters.AddWithValue("$v", value);
                put.ExecuteNonQuery();
            }
            tx.Commit();
        }
        else if (existing != spec.ContentHash)
        {
            using var name = Command("SELECT value FROM experiment WHERE key = 'name'");
            throw InputException.ForFile(Path, $"was created for a different spec (experiment '{name.ExecuteScalar()}', other settings or seeds); pass another --db or delete it");
        }
        else if (Value("shard") is var stored && stored != shard?.ToString())
            throw InputException.ForFile(Path, $"holds {(stored is null ? "the whole experiment" : $"shard {stored}")}, this run asks for {(shard is null ? "the whole experiment" : $"shard {shard}")}; pass another --db");
    }

    /// <summary>A value of the experiment table, or null.</summary>
    internal string? Value(string key)
    {
        using var get = Command("SELECT value FROM experiment WHERE key = $k");
        get.Parameters.AddWithValue("$k", key);
        return get.ExecuteScalar() as string;
    }

    /// <summary>Every (setting, seed) cell in run order: seeds outer, so a partial run has balanced results.</summary>
    public static List<(ExperimentSetting Setting, ulong Seed)> Cells(ExperimentSpec spec) =>
        [.. spec.Seeds.SelectMany(seed => spec.Settings.Select(setting => (setting, seed)))];

    /// <summary>The cells a shard runs: its contiguous part of <see cref="Cells"/>.</summary>
    public static List<(ExperimentSetting Setting, ulong Seed)> ShardCells(ExperimentSpec spec, ShardSpec? shard)
    {
        var cells = Cells(spec);
        if (shard is null) return cells;
        var (start, end) = shard.Range(cells.Count);
        return cells.GetRange((int)start, (int)(end - start));
    }

    /// <summary>True when this (setting, seed) has finished and been recorded.</summary>
    public bool IsComplete(string setting, ulong seed)
    {
        using var c = Command("SELECT COUNT(*) FROM runs WHERE setting = $s AND seed = $seed");
        c.Parameters.AddWithValue("$s", setting);
        c.Parameters.AddWithValue("$seed", (long)seed);
        return Convert.ToInt64(c.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Records a finished run and its curve, atomically.</summary>
    public void Save(RunResult run, RunConfig config)
    {
        using var tx = connection.BeginTransaction();
        using (var c = Command("""
            INSERT OR REPLACE INTO runs (setting, seed, config, test_accuracy, test_loss, train_loss, robust_accuracy, seconds, finished_at)
            VALUES ($s, $seed, $config, $acc, $loss, $train, $robust, $sec, $at)
            """, tx))
        {
            c.Parameters.AddWithValue("$s", run.Setting);
            c.Parameters.AddWithValue("$seed", (long)run.Seed);
            c.Parameters.AddWithValue("$config", ExperimentSpec.ConfigJson(config));
            c.Parameters.AddWithValue("$acc", run.TestAccuracy);
            c.Parameters.AddWithValue("$loss", run.TestLoss);
            c.Parameters.AddWithValue("$train", run.TrainLoss);
            c.Parameters.AddWithValue("$robust", (object?)run.RobustAccuracy ?? DBNull.Value);
            c.Parameters.AddWithValue("$sec", run.Seconds);
            c.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("O"));
            c.ExecuteNonQuery();
        }
        foreach (var p in run.Curve)
        {
            using var c = Command("INSERT OR REPLACE INTO curves VALUES ($s, $seed, $e, $train, $loss, $acc)", tx);
            c.Parameters.AddWithValue("$s", run.Setting);
            c.Parameters.AddWithValue("$seed", (long)run.Seed);
            c.Parameters.AddWithValue("$e", p.Epoch);
            c.Parameters.AddWithValue("$train", p.TrainLoss);
            c.Parameters.AddWithValue("$loss", p.TestLoss);
            c.Parameters.AddWithValue("$acc", p.TestAccuracy);
            c.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Every recorded run with its curve.</summary>
    public IReadOnlyList<RunResult> LoadAll()
    {
        var curves = new Dictionary<(string, long), List<EpochPoint>>();
        using (var c = Command("SELECT setting, seed, epoch, train_loss, test_loss, test_accuracy FROM curves ORDER BY setting, seed, epoch"))
        using (var r = c.ExecuteReader())
            while (r.Read())
            {
                var key = (r.GetString(0), r.GetInt64(1));
                if (!curves.TryGetValue(key, out var list)) curves[key] = list = [];
                list.Add(new EpochPoint(r.GetInt32(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5)));
            }
        var runs = new List<RunResult>();
        using (var c = Command("SELECT setting, seed, test_accuracy, test_loss, train_loss, robust_accuracy, seconds FROM runs ORDER BY setting, seed"))
        using (var r = c.ExecuteReader())
            while (r.Read())
            {
                var key = (r.GetString(0), r.GetInt64(1));
                runs.Add(new RunResult(key.Item1, (ulong)key.Item2, r.GetDouble(2), r.GetDouble(3), r.GetDouble(4),
                    r.IsDBNull(5) ? null : r.GetDouble(5), r.GetDouble(6), curves.GetValueOrDefault(key) ?? []));
            }
        return runs;
    }

    private void Execute(string sql)
    {
        using var c = Command(sql);
        c.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var c = connection.CreateCommand();
        c.CommandText = sql;
        c.Transaction = tx;
        return c;
    }

    public void Dispose() => connection.Dispose();
}
