using Interrogate.Data;

namespace Interrogate.Training.Experiments;

/// <summary>Where an experiment stands: run <c>Index</c> (1-based) of <c>Total</c>, and how far that run is.</summary>
public sealed record ExperimentProgress(int Index, int Total, string Setting, ulong Seed, double RunFraction, bool Reused);

/// <summary>
/// Runs every (setting, seed) of a spec that the database does not already hold, recording each as
/// it finishes, then summarises all of them. Seeds are the outer loop, so a run stopped half-way has
/// balanced partial results and resumes where it stopped.
/// </summary>
public static class ExperimentRunner
{
    public static ExperimentResult Run(ExperimentSpec spec, ExperimentStore store, LabelledImages train, LabelledImages test,
        Action<ExperimentProgress>? progress = null, CancellationToken cancel = default)
    {
        var cells = spec.Seeds.SelectMany(seed => spec.Settings.Select(setting => (setting, seed))).ToList();
        int executed = 0, reused = 0;
        for (int i = 0; i < cells.Count; i++)
        {
            var (setting, seed) = cells[i];
            if (store.IsComplete(setting.Name, seed))
            {
                reused++;
                progress?.Invoke(new ExperimentProgress(i + 1, cells.Count, setting.Name, seed, 1, Reused: true));
                continue;
            }
            var result = RunTrainer.Run(setting, seed, train, test,
                f => progress?.Invoke(new ExperimentProgress(i + 1, cells.Count, setting.Name, seed, f, Reused: false)), cancel);
            store.Save(result, setting.Config);
            executed++;
        }
        var names = spec.Settings.Select(s => s.Name).ToHashSet();
        var seeds = spec.Seeds.ToHashSet();
        var runs = store.LoadAll().Where(r => names.Contains(r.Setting) && seeds.Contains(r.Seed)).ToList();
        return new ExperimentResult(spec, ExperimentResult.Summarise(spec, runs), runs, executed, reused);
    }
}
