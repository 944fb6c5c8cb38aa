using System.Globalization;
using Interrogate.Sharding;
using Microsoft.Data.Sqlite;

namespace Interrogate.Training.Experiments;

/// <summary>
/// Merges the databases of an experiment run in shards (<c>experiment --shard I/N --out DIR</c>,
/// one NAME.sqlite per folder) into one NAME.sqlite under the output folder, holding every run and
/// curve row as the shards recorded them. Each cell is a seeded run of its own, so the merged rows
/// are the rows one process records; running <c>experiment</c> on the merged database then reuses
/// them all and writes the summary and report.
/// </summary>
public sealed class ExperimentShardMerger : IShardMerger
{
    public string Kind => "experiment database";

    public ShardSpec? Probe(string directory)
    {
        var files = Directory.GetFiles(directory, "*.sqlite");
        if (files.Length != 1) return null;
        try
        {
            using var c = Connect(files[0]);
            return Value(c, "shard") is { } shard ? ShardSpec.Parse(shard, _ => null) : null;
        }
        catch (SqliteException) { return null; }
    }

    public void Merge(IReadOnlyList<string> shards, string output)
    {
        var files = shards.Select(d => Directory.GetFiles(d, "*.sqlite").Single()).ToList();
        string hash = "";
        for (int i = 0; i < files.Count; i++)
        {
            using var c = Connect(files[i]);
            var h = Value(c, "spec_hash") ?? "";
            if (i == 0) hash = h;
            else if (h != hash) throw InputException.ForFile(files[i], $"was recorded for another spec than {files[0]}");
            long want = long.Parse(Value(c, "shard_cells") ?? "0", CultureInfo.InvariantCulture), have = Count(c, "runs");
            if (have != want) throw InputException.ForFile(files[i], $"shard {Value(c, "shard")} has {have} of its {want} runs; finish it (run the same command again) before merging");
        }
        if (File.Exists(output)) throw InputException.ForFile(output, "is a file; --out needs a folder");
        var target = Path.Combine(output, Path.GetFileName(files[0]));
        if (File.Exists(target)) throw InputException.ForFile(target, "already exists; --out needs a new folder");
        Directory.CreateDirectory(output);
        var temp = Path.Combine(output, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.Copy(files[0], temp);
            using (var c = Connect(temp))
            {
                Execute(c, "DELETE FROM experiment WHERE key IN ('shard', 'shard_cells')");
                for (int i = 1; i < files.Count; i++)
                {
                    using var attach = c.CreateCommand();
                    attach.CommandText = "ATTACH DATABASE $f AS part";
                    attach.Parameters.AddWithValue("$f", Path.GetFullPath(files[i]));
                    attach.ExecuteNonQuery();
                    Execute(c, "INSERT INTO runs SELECT * FROM part.runs; INSERT INTO curves SELECT * FROM part.curves;");
                    Execute(c, "DETACH DATABASE part");
                }
            }
            File.Move(temp, target);
        }
        catch (SqliteException e)
        {
            throw InputException.ForFile(output, $"could not merge the experiment databases ({e.Message.ReplaceLineEndings(" ")})", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static SqliteConnection Connect(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        return c;
    }

    private static string? Value(SqliteConnection c, string key)
    {
        using var q = c.CreateCommand();
        q.CommandText = "SELECT value FROM experiment WHERE key = $k";
        q.Parameters.AddWithValue("$k", key);
        return q.ExecuteScalar() as string;
    }

    private static long Count(SqliteConnection c, string table)
    {
        using var q = c.CreateCommand();
        q.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)q.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection c, string sql)
    {
        using var q = c.CreateCommand();
        q.CommandText = sql;
        q.ExecuteNonQuery();
    }
}
