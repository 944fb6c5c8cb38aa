using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Data;
using Interrogate.Models;
using Interrogate.Models.Conv;
using Interrogate.Models.Mlp;
using Interrogate.Training;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate train mnist`: trains an MLP or conv-net classifier on the MNIST digits and saves it.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var train = new Command("train", "Train a model by gradient descent");
        train.Add(CreateMnist());
        train.Add(TrainGptCommand.Create());
        return train;
    }

    private static Command CreateMnist()
    {
        var modelKind = new Option<string>("--model") { Description = "mlp, or conv (5x5 conv -> 2x2 max-pool stages, then --hidden linear layers)", DefaultValueFactory = _ => "mlp" };
        var channels = new Option<string>("--channels") { Description = "conv only: output channels of each conv stage", DefaultValueFactory = _ => "16,32" };
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer widths", DefaultValueFactory = _ => "256,128" };
        var activation = new Option<string>("--activation") { Description = "relu, gelu, gelu_new, tanh, sigmoid or silu", DefaultValueFactory = _ => "relu" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the 8,000 training digits", DefaultValueFactory = _ => 25 };
        var batch = new Option<int>("--batch-size") { Description = "Digits per step", DefaultValueFactory = _ => 64 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 1e-3f };
        var optimizer = new Option<string>("--optimizer") { Description = "adamw or sgd", DefaultValueFactory = _ => "adamw" };
        var output = new Option<string>("--out") { Description = "Folder for model.safetensors and config.json (default: out/mnist-MODEL)" };
        var validation = new Option<int>("--validation")
        {
            Description = "Hold out the last N of the 8,000 training digits: train on the rest and also report on them (for choosing settings without the test digits)",
            DefaultValueFactory = _ => 0,
        };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("mnist", "Train an MLP or conv net on 8,000 MNIST digits, test on the 2,000 held out")
        {
            modelKind, channels, hidden, activation, epochs, batch, lr, optimizer, validation, output, seed, dataDir, json,
        };
        command.SetAction(parsed =>
        {
            var kind = parsed.GetValue(modelKind)!;
            if (kind is not ("mlp" or "conv")) throw new InputException($"--model: unknown model '{kind}' (known: mlp, conv)");
            var config = new MlpConfig
            {
                HiddenSizes = CommonOptions.ParseIntList(parsed.GetValue(hidden)!, "--hidden"),
                Activation = Nn.Activation.Validate(parsed.GetValue(activation)!, "--activation"),
            };
            var options = new ClassifierTrainingOptions
            {
                Epochs = parsed.GetValue(epochs),
                BatchSize = parsed.GetValue(batch),
                LearningRate = parsed.GetValue(lr),
                Optimizer = parsed.GetValue(optimizer)!,
                Seed = parsed.GetValue(seed),
            };
            CommonOptions.RequirePositive(options.Epochs, "--epochs");
            CommonOptions.RequirePositive(options.BatchSize, "--batch-size");
            CommonOptions.RequirePositive(options.LearningRate, "--lr");
            var outDir = OutputGuard.Claim(parsed.GetValue(output) ?? $"out/mnist-{kind}", "--out", IO.OutputKind.Folder);
            bool asJson = parsed.GetValue(json);

            int held = parsed.GetValue(validation);
            if (held < 0) throw new InputException($"--validation: {held} must be zero (no validation set) or a positive number of held-out digits");
            var (trainSet, testSet) = Mnist.Load(parsed.GetValue(dataDir));
            LabelledImages? validationSet = null;
            if (held > 0) (trainSet, validationSet) = Mnist.HoldOut(trainSet, held);
            IClassifier model = kind == "conv"
                ? new ConvClassifier(ConvFromFlags(parsed, channels, hidden, config), options.Seed)
                : new MlpClassifier(config, options.Seed);
            ClassifierTraining.CreateOptimizer(model, options); // validates --optimizer before the long run
            var clock = System.Diagnostics.Stopwatch.StartNew();
            double samplesPerSecond = 0;
            Terminal.WithProgress("training", report =>
            {
                ClassifierTraining.Train(model, trainSet, options, p =>
                {
                    samplesPerSecond = p.SamplesPerSecond;
                    report($"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F4}  {p.SamplesPerSecond:N0} samples/s", (double)p.Step / p.TotalSteps);
                });
                return 0;
            });
            double seconds = clock.Elapsed.TotalSeconds;
            var test = ClassifierTraining.Evaluate(model, testSet);
            var trainMetrics = ClassifierTraining.Evaluate(model, trainSet);
            var validationMetrics = validationSet is null ? null : ClassifierTraining.Evaluate(model, validationSet);
            ClassifierStore.Save(model, outDir);
            var result = new MnistResult(test.Accuracy, test.Loss, trainMetrics.Accuracy, trainMetrics.Loss, test.Count, trainSet.Count,
                seconds, samplesPerSecond, model.Module.ParameterCount(), Path.GetFullPath(outDir),
                validationMetrics?.Accuracy, validationMetrics?.Loss, validationMetrics?.Count);
            if (asJson) Terminal.WriteJson(result);
            else Print(result);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The conv net the flags describe: --channels stages, then --hidden (128 unless given) linear layers.</summary>
    private static ConvConfig ConvFromFlags(ParseResult parsed, Option<string> channels, Option<string> hidden, MlpConfig mlp)
    {
        var config = new ConvConfig
        {
            Channels = CommonOptions.ParseIntList(parsed.GetValue(channels)!, "--channels"),
            HiddenSizes = parsed.GetResult(hidden) is { Implicit: false } ? mlp.HiddenSizes : [128],
            Activation = mlp.Activation,
        };
        config.MapSizes(out var error);
        return error is null ? config : throw new InputException($"--channels: {error}");
    }

    internal static void Print(MnistResult r)
    {
        var table = new Table().AddColumns("", "accuracy", "loss (nats)");
        if (r.TrainAccuracy is double ta) table.AddRow("train", $"{ta:P2}", $"{r.TrainLoss:F4}");
        if (r.ValidationAccuracy is double va) table.AddRow($"validation ({r.ValidationCount:N0} held out of train)", $"{va:P2}", $"{r.ValidationLoss:F4}");
        table.AddRow($"test ({r.TestCount:N0} held out)", $"{r.TestAccuracy:P2}", $"{r.TestLoss:F4}");
        Terminal.Out.Write(table);
        if (r.TrainSeconds is double s)
            Terminal.Out.MarkupLine($"trained in {s:F1} s ({r.SamplesPerSecond:N0} samples/s), {r.Parameters:N0} parameters, saved to [bold]{Markup.Escape(r.ModelDir)}[/]");
    }
}

/// <summary>What `train mnist` and `eval mnist` report; --json prints it in snake_case.</summary>
internal sealed record MnistResult(double TestAccuracy, double TestLoss, double? TrainAccuracy, double? TrainLoss,
    int TestCount, int? TrainCount, double? TrainSeconds, double? SamplesPerSecond, long Parameters, string ModelDir,
    double? ValidationAccuracy = null, double? ValidationLoss = null, int? ValidationCount = null);
