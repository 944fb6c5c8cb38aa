using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Data;
using Interrogate.Models;
using Interrogate.Training;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate eval mnist --model DIR`: reloads a saved classifier (MLP, conv or recurrent) and measures it on the held-out digits.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var eval = new Command("eval", "Evaluate a saved model");
        var model = new Option<string>("--model") { Description = "Folder with config.json and model.safetensors", Required = true };
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var mnist = new Command("mnist", "Accuracy and loss on the 2,000 held-out MNIST digits") { model, dataDir, json };
        mnist.SetAction(parsed =>
        {
            var dir = parsed.GetValue(model)!;
            var classifier = ClassifierStore.Load(dir);
            var (_, testSet) = Mnist.Load(parsed.GetValue(dataDir));
            var test = ClassifierTraining.Evaluate(classifier, testSet);
            var result = new MnistResult(test.Accuracy, test.Loss, null, null, test.Count, null, null, null,
                classifier.Module.ParameterCount(), Path.GetFullPath(dir));
            if (parsed.GetValue(json)) Terminal.WriteJson(result);
            else TrainCommand.Print(result);
            return ExitCodes.Ok;
        });
        eval.Add(mnist);
        return eval;
    }
}
